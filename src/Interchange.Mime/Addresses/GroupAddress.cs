namespace Interchange.Mime.Addresses;

/// <summary>
/// An RFC 5322 group ("Team: a@x, b@y;" or "undisclosed-recipients:;"). IMAP writes it as a
/// start marker, the members, and an end marker (RFC 3501 §7.4.2); see <see cref="Imap.EnvelopeAddress"/>.
/// </summary>
public sealed class GroupAddress : Address
{
    public GroupAddress(string name, IReadOnlyList<MailboxAddress> members)
        : this(name, name, members)
    {
    }

    internal GroupAddress(string name, string rawName, IReadOnlyList<MailboxAddress> members)
    {
        Name = name;
        RawName = rawName;
        Members = members;
    }

    /// <summary>The group's display name, encoded words decoded.</summary>
    public string Name { get; }

    /// <summary>The group's name as written, encoded words intact.</summary>
    public string RawName { get; }

    public IReadOnlyList<MailboxAddress> Members { get; }

    public override string? DisplayName => Name;
}
