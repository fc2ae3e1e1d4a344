using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Dkim;

/// <summary>Hands MimeKit the key we already fetched and checked, so the crypto runs without another lookup.</summary>
internal sealed class FixedKeyLocator(AsymmetricKeyParameter key) : IDkimPublicKeyLocator
{
    public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => key;

    public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        Task.FromResult(key);
}
