using Interchange.Core.Addressing;
using Interchange.Directory.Resolution;
using Interchange.Smtp.Protocol;
using Interchange.Storage.Accounts;

namespace Interchange.Smtp.Session;

/// <summary>
/// Who may be a recipient (RFC 5321 3.6, 7.1; no open relay): an address in a local domain
/// must resolve in the directory (else <c>550 5.1.1</c> now, not a bounce later); any other
/// domain needs an authenticated client (else <c>554 5.7.1</c>). The address is judged as
/// written: <c>user%other@local</c> and <c>"user@other"@local</c> are local addresses that do not
/// exist, a source route is ignored, and domains compare case- and trailing-dot-insensitively.
/// </summary>
public sealed class RecipientPolicy(IDirectoryStore directory, RecipientResolver resolver, string primaryDomain)
{
    public sealed record Decision(SmtpReply? Refusal, string Address);

    public async Task<Decision> CheckAsync(SmtpPath path, bool mayRelay, CancellationToken cancellationToken)
    {
        var localPart = path.LocalPart;
        var domainText = path.IsBarePostmaster ? primaryDomain : path.Domain;
        if (domainText.StartsWith('['))
        {
            // An address literal: never one of our domains.
            return mayRelay
                ? new Decision(null, path.Address)
                : new Decision(new SmtpReply(554, "5.7.1", $"<{path.Address}>: Relay access denied"), path.Address);
        }

        if (!DomainName.TryParse(domainText, out var domain, out _))
        {
            return new Decision(new SmtpReply(501, "5.1.2", $"<{path.Address}>: Bad recipient address syntax"), path.Address);
        }

        var address = $"{localPart}@{domain.Value}";
        if (!await directory.DomainExistsAsync(domain.Value, cancellationToken).ConfigureAwait(false))
        {
            return mayRelay
                ? new Decision(null, address)
                : new Decision(new SmtpReply(554, "5.7.1", $"<{path.Address}>: Relay access denied"), address);
        }

        if (path.IsQuotedLocalPart || !EmailAddress.TryParse(address, out var local, out _)
            || (await resolver.ResolveAsync(local, cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            return new Decision(new SmtpReply(550, "5.1.1", $"<{path.Address}>: Recipient address rejected: User unknown in local recipient table"), address);
        }

        return new Decision(null, local.Value);
    }
}
