namespace Interchange.Mime.Addresses;

/// <summary>An entry of an RFC 5322 address list: a <see cref="MailboxAddress"/> or a <see cref="GroupAddress"/>.</summary>
public abstract class Address
{
    private protected Address()
    {
    }

    /// <summary>The display name with encoded words decoded, or null.</summary>
    public abstract string? DisplayName { get; }

    /// <summary>RFC 5322 text for a header, non-ASCII as RFC 2047 encoded words.</summary>
    public override string ToString() => Writing.AddressFormatter.Format(this, utf8: false);
}
