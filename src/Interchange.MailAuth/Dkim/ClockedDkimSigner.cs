using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Dkim;

/// <summary>MimeKit's <see cref="DkimSigner"/>, relaxed/relaxed (RFC 6376 3.4: survives the re-folding relays do), with <c>t=</c> from the clock and RSA through the platform (<see cref="RsaSha256Signer"/>).</summary>
internal sealed class ClockedDkimSigner : DkimSigner
{
    private readonly TimeProvider _clock;
    private readonly System.Security.Cryptography.RSAParameters? _rsa;

    public ClockedDkimSigner(DkimSigningKey key, string domain, TimeProvider clock)
        : base(key.PrivateKey, domain, key.Info.Selector, key.SignatureAlgorithm)
    {
        _clock = clock;
        _rsa = key.Rsa;
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
    }

    protected override long GetTimestamp() => _clock.GetUtcNow().ToUnixTimeSeconds();

    protected override ISigner CreateSigningContext() =>
        _rsa is { } rsa && SignatureAlgorithm == DkimSignatureAlgorithm.RsaSha256 ? new RsaSha256Signer(rsa) : base.CreateSigningContext();
}
