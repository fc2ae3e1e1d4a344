using System.Security.Cryptography;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Interchange.MailAuth.Dkim;

/// <summary>A stored key loaded for signing: what the store says of it and its private key.</summary>
public sealed record DkimSigningKey(DkimKeyInfo Info, AsymmetricKeyParameter PrivateKey)
{
    /// <summary>An RSA key in the platform's form, converted once at load (<see cref="RsaSha256Signer"/>).</summary>
    public RSAParameters? Rsa { get; } = PrivateKey is RsaPrivateCrtKeyParameters crt ? DotNetUtilities.ToRSAParameters(crt) : null;

    public DkimSignatureAlgorithm SignatureAlgorithm =>
        Info.Algorithm == DkimKeyAlgorithm.Ed25519 ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;

    /// <summary>The key's description without the key (records must never print a private key).</summary>
    public override string ToString() => $"{Info.Selector}._domainkey.{Info.Domain} ({Info.Algorithm})";
}
