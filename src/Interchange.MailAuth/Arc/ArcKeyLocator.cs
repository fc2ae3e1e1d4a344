using Interchange.Transport.Dns;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Arc;

/// <summary>
/// Public keys for checking an earlier ARC chain before sealing (RFC 8617 5.2): the TXT record
/// at <c>selector._domainkey.domain</c> (RFC 6376 3.6.2), through the server's resolver.
/// </summary>
public sealed class ArcKeyLocator(IDnsResolver dns) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        var name = $"{selector}._domainkey.{domain}";
        var lookup = await dns.GetTxtAsync(name, cancellationToken).ConfigureAwait(false);
        if (!lookup.IsFound)
        {
            throw new InvalidDataException($"no key at {name}: {lookup.Reason}");
        }

        // RFC 6376 3.6.2.2: more than one record is ambiguous; MimeKit reads the first it is given.
        return GetPublicKey(lookup.Records[0]);
    }
}
