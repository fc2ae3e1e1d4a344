namespace Interchange.Imap.Session;

/// <summary>RFC 3501 3: where a session is.</summary>
public enum ImapState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}
