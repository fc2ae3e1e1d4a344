namespace Interchange.Storage.Mail;

/// <summary>
/// Mailbox names as the store keeps them: Unicode (the IMAP layer decodes modified UTF-7), '/'
/// between levels, INBOX in any case meaning INBOX (RFC 3501 5.1).
/// </summary>
public static class MailboxNames
{
    public const char Separator = '/';
    public const string Inbox = "INBOX";
    public const int MaxLength = 1024;

    /// <summary>The stored form of a name, or null (with a reason) if it cannot be a mailbox name.</summary>
    public static string? Normalize(string name, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            error = "a mailbox name must have 1 to 1024 characters";
            return null;
        }

        var parts = name.Split(Separator);
        if (parts.Any(p => p.Length == 0))
        {
            error = "a mailbox name must not start or end with '/' or contain '//'";
            return null;
        }

        if (name.Any(c => char.IsControl(c)) || name.Contains('*', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal))
        {
            error = "a mailbox name must not contain control characters, '*' or '%'";
            return null;
        }

        if (string.Equals(parts[0], Inbox, StringComparison.OrdinalIgnoreCase))
        {
            parts[0] = Inbox;
        }

        return string.Join(Separator, parts);
    }

    /// <summary>Every superior name of <paramref name="name"/>, outermost first ("a/b/c" → "a", "a/b").</summary>
    public static IEnumerable<string> Parents(string name)
    {
        for (var i = name.IndexOf(Separator); i >= 0; i = name.IndexOf(Separator, i + 1))
        {
            yield return name[..i];
        }
    }

    /// <summary>The special-use mailboxes every user gets at first login (RFC 6154).</summary>
    public static IReadOnlyList<(string Name, string SpecialUse)> Defaults { get; } =
        [("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"), ("Junk", "\\Junk"), ("Archive", "\\Archive")];
}
