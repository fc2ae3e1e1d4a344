namespace Interchange.Smtp.Protocol;

/// <summary>
/// The RFC 5321 dialogue as data (4.1.4; RFC 3030 for BDAT, RFC 3207 STARTTLS, RFC 4954 AUTH): for
/// each state, the commands it allows, the guard each must pass, and the state each leads to when
/// it succeeds. The session checks every command against it before running it; a command the state
/// does not allow, or whose guard refuses, is <c>503 5.5.1</c> from here, never from the command.
/// "BDAT LAST" is its own row: the last chunk ends the transaction, the others keep it open.
/// </summary>
public static class SmtpStateTable
{
    private static readonly SmtpTransition Stay = new(null);
    private static readonly SmtpTransition ToReady = new(SmtpState.Ready);

    // RFC 3207 4.2: no second STARTTLS; RFC 4954 4: no AUTH once authenticated.
    private static readonly SmtpTransition StartTls = new(SmtpState.Connected, s => s.IsTls ? "TLS already active" : null);
    private static readonly SmtpTransition Auth = new(null, s => s.IsAuthenticated ? "already authenticated" : null);

    private static readonly Dictionary<string, SmtpTransition> Always = new(StringComparer.OrdinalIgnoreCase)
    {
        ["NOOP"] = Stay,
        ["QUIT"] = Stay,
        ["HELP"] = Stay,
    };

    public static IReadOnlyDictionary<SmtpState, IReadOnlyDictionary<string, SmtpTransition>> States { get; } = new Dictionary<SmtpState, IReadOnlyDictionary<string, SmtpTransition>>
    {
        [SmtpState.Connected] = With(new()
        {
            ["EHLO"] = ToReady,
            ["HELO"] = ToReady,
            ["RSET"] = Stay,
        }),
        [SmtpState.Ready] = With(new()
        {
            ["EHLO"] = ToReady,
            ["HELO"] = ToReady,
            ["STARTTLS"] = StartTls, // a new EHLO must follow the handshake
            ["AUTH"] = Auth,
            ["MAIL"] = new(SmtpState.Mail),
            ["RSET"] = Stay,
            ["VRFY"] = Stay,
            ["EXPN"] = Stay,
        }),
        [SmtpState.Mail] = With(new()
        {
            ["EHLO"] = ToReady,
            ["HELO"] = ToReady,
            ["RCPT"] = new(SmtpState.Recipients),
            ["RSET"] = ToReady,
            ["VRFY"] = Stay,
            ["EXPN"] = Stay,
        }),
        [SmtpState.Recipients] = With(new()
        {
            ["EHLO"] = ToReady,
            ["HELO"] = ToReady,
            ["RCPT"] = Stay,
            ["DATA"] = ToReady, // the message is accepted or refused: either way the transaction is over
            ["BDAT"] = new(SmtpState.Chunking),
            ["BDAT LAST"] = ToReady, // a one-chunk message
            ["RSET"] = ToReady,
            ["VRFY"] = Stay,
            ["EXPN"] = Stay,
        }),
        [SmtpState.Chunking] = With(new()
        {
            ["BDAT"] = Stay,
            ["BDAT LAST"] = ToReady,
            ["RSET"] = ToReady,
        }),
    };

    private static readonly HashSet<string> Known = States.Values.SelectMany(s => s.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public static bool IsKnown(string verb) => Known.Contains(verb);

    public static bool IsAllowed(string verb, SmtpState state) => Find(verb, state) is not null;

    /// <summary>The transition of <paramref name="verb"/> in <paramref name="state"/>, or null when the state does not allow it.</summary>
    public static SmtpTransition? Find(string verb, SmtpState state) =>
        States.TryGetValue(state, out var commands) && commands.TryGetValue(verb, out var transition) ? transition : null;

    /// <summary>The 503 text for a command the state does not allow.</summary>
    public static string OutOfSequence(SmtpState state) => state == SmtpState.Connected ? "send HELO/EHLO first" : "bad sequence of commands";

    private static Dictionary<string, SmtpTransition> With(Dictionary<string, SmtpTransition> commands)
    {
        foreach (var (verb, transition) in Always)
        {
            commands.TryAdd(verb, transition);
        }

        return new Dictionary<string, SmtpTransition>(commands, StringComparer.OrdinalIgnoreCase);
    }
}
