namespace Interchange.Imap.Session;

/// <summary>
/// An IMAP extension: the CAPABILITY atoms it contributes in a session as it is now (none when
/// not offered there) and the commands it brings. The CAPABILITY list is computed from
/// <see cref="ImapExtensions.All"/> (STYLE.md), never kept by hand.
/// </summary>
internal sealed record ImapExtension(string Name, Func<ImapSession, IEnumerable<string>> Capabilities, IReadOnlyList<string> Commands)
{
    public ImapExtension(string name, params string[] commands)
        : this(name, _ => [name], commands)
    {
    }
}

/// <summary>The base protocol and the extensions this server implements, in the order CAPABILITY lists them.</summary>
internal static class ImapExtensions
{
    /// <summary>RFC 3501 / RFC 9051 commands every session knows.</summary>
    public static IReadOnlyList<string> BaseCommands { get; } =
    [
        "CAPABILITY", "NOOP", "LOGOUT", "LOGIN", "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
        "LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY",
    ];

    public static IReadOnlyList<ImapExtension> All { get; } =
    [
        new("IMAP4rev1", _ => ["IMAP4rev1", "IMAP4rev2"], []),                                               // RFC 3501; RFC 9051 once ENABLEd
        new("STARTTLS", s => s.State == ImapState.NotAuthenticated && s.CanStartTls ? ["STARTTLS"] : [], ["STARTTLS"]), // RFC 9051 6.2.1
        new("AUTH", s => s.State != ImapState.NotAuthenticated ? [] : s.PlaintextAllowed ? ["AUTH=PLAIN", "AUTH=LOGIN", "SASL-IR"] : ["LOGINDISABLED"], ["AUTHENTICATE"]), // RFC 4616, RFC 4959
        new("LITERAL+"),                   // RFC 7888
        new("ENABLE", "ENABLE"),           // RFC 5161
        new("ID", "ID"),                   // RFC 2971
        new("NAMESPACE", "NAMESPACE"),     // RFC 2342
        new("UNSELECT", "UNSELECT"),       // RFC 3691
        new("UIDPLUS"),                    // RFC 4315 (UID EXPUNGE, APPENDUID, COPYUID)
        new("MOVE", "MOVE"),               // RFC 6851
        new("IDLE", "IDLE"),               // RFC 2177
        new("CONDSTORE"),                  // RFC 7162
        new("SPECIAL-USE"),                // RFC 6154
        new("LIST-EXTENDED"),              // RFC 5258
        new("LIST-STATUS"),                // RFC 5819
        new("UTF8=ACCEPT"),                // RFC 6855
        new("APPENDLIMIT", s => [$"APPENDLIMIT={s.AppendLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)}"], []), // RFC 7889
    ];

    /// <summary>What CAPABILITY lists in <paramref name="session"/> now.</summary>
    public static IEnumerable<string> Capabilities(ImapSession session) => All.SelectMany(e => e.Capabilities(session));

    /// <summary>A command of the base protocol or of an extension (for "Log in first" rather than "Unknown command").</summary>
    public static bool IsKnown(string name) =>
        BaseCommands.Contains(name, StringComparer.Ordinal) || All.Any(e => e.Commands.Contains(name, StringComparer.Ordinal));
}
