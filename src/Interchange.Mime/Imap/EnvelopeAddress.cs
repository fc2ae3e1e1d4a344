using Interchange.Mime.Addresses;

namespace Interchange.Mime.Imap;

/// <summary>
/// One address as IMAP ENVELOPE lists it (RFC 3501 §7.4.2): name, source route, mailbox, host.
/// A group is a start marker (host null, mailbox = group name), its members, and an end marker
/// (everything null). Strings are raw (encoded words intact); formatting is the IMAP layer's job.
/// </summary>
public sealed record EnvelopeAddress(string? Name, string? Route, string? Mailbox, string? Host)
{
    public bool IsGroupStart => Host is null && Mailbox is not null && IsGroupMarker;

    public bool IsGroupEnd => Host is null && Mailbox is null && Name is null && Route is null;

    // Set only on markers: a mailbox without a domain also has a null Host but is no group.
    internal bool IsGroupMarker { get; init; }

    /// <summary>Flattens an address list into IMAP's form, groups as start and end markers.</summary>
    public static IReadOnlyList<EnvelopeAddress> Flatten(IEnumerable<Address> addresses)
    {
        var result = new List<EnvelopeAddress>();
        foreach (var address in addresses)
        {
            switch (address)
            {
                case MailboxAddress mailbox:
                    result.Add(From(mailbox));
                    break;
                case GroupAddress group:
                    result.Add(new EnvelopeAddress(null, null, group.RawName, null) { IsGroupMarker = true });
                    result.AddRange(group.Members.Select(From));
                    result.Add(new EnvelopeAddress(null, null, null, null) { IsGroupMarker = true });
                    break;
            }
        }

        return result;
    }

    private static EnvelopeAddress From(MailboxAddress mailbox) =>
        new(mailbox.RawDisplayName, mailbox.Route, mailbox.LocalPart, mailbox.Domain);
}
