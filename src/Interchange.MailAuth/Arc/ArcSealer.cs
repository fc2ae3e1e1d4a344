using MimeKit;
using MimeKit.Cryptography;
using Interchange.MailAuth.Dkim;
using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Arc;

/// <summary>
/// MimeKit's <see cref="ArcSigner"/> for one message: the ARC-Authentication-Results it writes
/// (RFC 8617 4.1.1) is the one given, built by <see cref="Dkim.OutboundSigner"/> from the
/// results recorded at arrival; an <c>arc</c> result in it is the seal's <c>cv=</c> (MimeKit's
/// rule; with no earlier set the <c>cv</c> is <c>none</c>, 5.1.1). Times come from the clock.
/// </summary>
internal sealed class ArcSealer : ArcSigner
{
    private readonly AuthenticationResults _results;
    private readonly TimeProvider _clock;
    private readonly System.Security.Cryptography.RSAParameters? _rsa;

    public ArcSealer(DkimSigningKey key, string domain, AuthenticationResults results, TimeProvider clock)
        : base(key.PrivateKey, domain, key.Info.Selector, DkimSignatureAlgorithm.RsaSha256)
    {
        _results = results;
        _clock = clock;
        _rsa = key.Rsa;
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
    }

    protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => _results;

    protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => Task.FromResult(_results);

    protected override long GetTimestamp() => _clock.GetUtcNow().ToUnixTimeSeconds();

    protected override ISigner CreateSigningContext() => _rsa is { } rsa ? new RsaSha256Signer(rsa) : base.CreateSigningContext();
}
