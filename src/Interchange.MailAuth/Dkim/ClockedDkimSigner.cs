using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Dkim;

/// <summary>MimeKit's <see cref="DkimSigner"/>, relaxed/relaxed (RFC 6376 3.4: survives the re-folding relays do), with <c>t=</c> from the clock.</summary>
internal sealed class ClockedDkimSigner : DkimSigner
{
    private readonly TimeProvider _clock;

    public ClockedDkimSigner(AsymmetricKeyParameter key, string domain, string selector, DkimSignatureAlgorithm algorithm, TimeProvider clock)
        : base(key, domain, selector, algorithm)
    {
        _clock = clock;
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
    }

    protected override long GetTimestamp() => _clock.GetUtcNow().ToUnixTimeSeconds();
}
