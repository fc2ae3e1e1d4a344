using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// rsa-sha256 (RFC 6376 3.3.1: RSASSA-PKCS1-v1_5 over SHA-256) through the platform's RSA
/// (OpenSSL on Linux) instead of BouncyCastle's managed one, which MimeKit would use: the private
/// key operation is most of a signature's cost. One use: MimeKit feeds the canonical data, then
/// asks for the signature once.
/// </summary>
internal sealed class RsaSha256Signer(RSAParameters key) : ISigner, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public string AlgorithmName => "SHA-256withRSA";

    public void Init(bool forSigning, ICipherParameters parameters)
    {
        if (!forSigning)
        {
            throw new NotSupportedException("signing only");
        }
    }

    public void Update(byte input) => _hash.AppendData([input]);

    public void BlockUpdate(byte[] input, int inOff, int inLen) => _hash.AppendData(input, inOff, inLen);

    public void BlockUpdate(ReadOnlySpan<byte> input) => _hash.AppendData(input);

    public int GetMaxSignatureSize() => key.Modulus!.Length;

    public byte[] GenerateSignature()
    {
        var digest = _hash.GetHashAndReset();
        using var rsa = RSA.Create(key);
        return rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    public bool VerifySignature(byte[] signature) => throw new NotSupportedException("signing only");

    public void Reset() => _hash.GetHashAndReset();

    public void Dispose() => _hash.Dispose();
}
