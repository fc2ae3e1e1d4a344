using Interchange.Mime.Writing;

namespace Interchange.Mime.Addresses;

/// <summary>
/// A mailbox (RFC 5322 §3.4) as IMAP's ENVELOPE needs it: display name, obsolete source
/// route, local part (unquoted) and domain. The domain is null when the text had none
/// ("undisclosed-recipients" without a colon, or a bare name).
/// </summary>
public sealed class MailboxAddress : Address
{
    public MailboxAddress(string? displayName, string localPart, string? domain, string? route = null)
        : this(displayName, displayName, localPart, domain, route)
    {
    }

    internal MailboxAddress(string? displayName, string? rawDisplayName, string localPart, string? domain, string? route)
    {
        DisplayName = string.IsNullOrEmpty(displayName) ? null : displayName;
        RawDisplayName = string.IsNullOrEmpty(rawDisplayName) ? null : rawDisplayName;
        LocalPart = localPart;
        Domain = string.IsNullOrEmpty(domain) ? null : domain;
        Route = string.IsNullOrEmpty(route) ? null : route;
    }

    /// <summary>Builds a mailbox from "local@domain" (split at the last '@').</summary>
    public static MailboxAddress Create(string? displayName, string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0
            ? new MailboxAddress(displayName, address, null)
            : new MailboxAddress(displayName, address[..at], address[(at + 1)..]);
    }

    public override string? DisplayName { get; }

    /// <summary>The display name as written, unquoted but with encoded words intact (IMAP ENVELOPE's addr-name).</summary>
    public string? RawDisplayName { get; }

    /// <summary>The obsolete source route ("@a.example,@b.example"), or null.</summary>
    public string? Route { get; }

    /// <summary>The local part, quotes and escapes removed.</summary>
    public string LocalPart { get; }

    public string? Domain { get; }

    /// <summary>
    /// The addr-spec "local@domain" (RFC 5322 §3.4.1), the local part quoted again when it is
    /// not a dot-atom (<c>"quoted local"@example.com</c>); the local part alone, as written,
    /// when there is no domain.
    /// </summary>
    public string Address => Domain is null ? LocalPart : AddressFormatter.FormatLocalPart(LocalPart, utf8: true) + "@" + Domain;
}
