namespace Interchange.Directory.Security;

/// <summary>What an authenticated identity may do.</summary>
[Flags]
public enum UserRights
{
    None = 0,

    /// <summary>Open mailbox sessions (IMAP, POP3, webmail).</summary>
    Login = 1,

    /// <summary>Submit mail from the addresses in <see cref="SecurityContext.OwnedAddresses"/>.</summary>
    Submit = 2,
}
