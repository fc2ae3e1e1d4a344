using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Dkim;

/// <summary>The key cache as MimeKit's locator (for ARC, whose verifier looks keys up itself). A key that
/// cannot be had throws, which MimeKit's ARC verifier counts as that signature failing (RFC 8617 5.2).</summary>
internal sealed class CachedKeyLocator(DkimKeyCache cache) : IDkimPublicKeyLocator
{
    public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        var key = await cache.GetAsync(domain, selector, cancellationToken).ConfigureAwait(false);
        return key.Key ?? throw new DkimKeyUnavailableException(key.Error, key.Reason ?? "no key");
    }
}
