using System.Globalization;
using Interchange.MailAuth.Dkim;
using MimeKit;
using MimeKit.Cryptography;

namespace Interchange.MailAuth.Arc;

/// <summary>
/// Validates a message's ARC chain (RFC 8617 5.2) with MimeKit's <see cref="ArcVerifier"/> and our cached
/// key lookups. MimeKit checks the chain's structure (instances 1..n, one of each field, cv= values), the
/// newest ARC-Message-Signature, and every ARC-Seal; a field it cannot parse or a key it cannot get fails
/// the chain. Never throws except for the caller's cancellation.
/// </summary>
public sealed class ArcChainVerifier
{
    private readonly DkimKeyCache _keys;
    private readonly DkimOptions _options;

    public ArcChainVerifier(DkimKeyCache keys, DkimOptions options)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _options = options;
    }

    public async Task<ArcOutcome> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (instances, domain) = Newest(message);
        if (!message.Headers.Any(h => h.Id is HeaderId.ArcSeal or HeaderId.ArcMessageSignature or HeaderId.ArcAuthenticationResults))
        {
            return new ArcOutcome(ArcResult.None, 0, null, null);
        }

        // RFC 8617 5.1.2: a chain longer than 50 sets is failed, not verified.
        if (instances > 50)
        {
            return new ArcOutcome(ArcResult.Fail, instances, null, domain, "more than 50 ARC sets");
        }

        try
        {
            var verifier = new ArcVerifier(new CachedKeyLocator(_keys)) { MinimumRsaKeyLength = _options.MinimumRsaKeyBits };
            var result = await verifier.VerifyAsync(message, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return result.Chain switch
            {
                ArcSignatureValidationResult.Pass => new ArcOutcome(ArcResult.Pass, instances, null, domain),
                ArcSignatureValidationResult.None => new ArcOutcome(ArcResult.None, 0, null, null),
                _ => new ArcOutcome(ArcResult.Fail, instances, null, domain, result.ChainErrors.ToString()),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return new ArcOutcome(ArcResult.Fail, instances, null, domain, $"ARC fields not usable: {e.Message}");
        }
    }

    // The highest instance among the ARC-Seal fields, and that seal's d=.
    private static (int Instances, string? Domain) Newest(MimeMessage message)
    {
        var newest = 0;
        string? domain = null;
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.ArcSeal))
        {
            if (TagList.TryParse(header.Value, out var tags, out _)
                && int.TryParse(tags["i"], NumberStyles.None, CultureInfo.InvariantCulture, out var instance)
                && instance > newest)
            {
                newest = instance;
                domain = tags["d"];
            }
        }

        return (newest, domain);
    }
}
