namespace Interchange.Smtp.Protocol;

/// <summary>
/// Which commands each state allows (RFC 5321 4.1.4, RFC 3030 for BDAT), as data: the protocol at
/// a glance, and a table tests can walk. A command outside its states is <c>503 5.5.1</c>.
/// </summary>
public static class SmtpStateTable
{
    private static readonly SmtpState[] Any = Enum.GetValues<SmtpState>();
    private static readonly SmtpState[] AfterHello = [SmtpState.Ready, SmtpState.Mail, SmtpState.Recipients];

    public static IReadOnlyDictionary<string, SmtpState[]> Allowed { get; } = new Dictionary<string, SmtpState[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["EHLO"] = [SmtpState.Connected, SmtpState.Ready, SmtpState.Mail, SmtpState.Recipients],
        ["HELO"] = [SmtpState.Connected, SmtpState.Ready, SmtpState.Mail, SmtpState.Recipients],
        ["STARTTLS"] = [SmtpState.Ready],
        ["AUTH"] = [SmtpState.Ready],
        ["MAIL"] = [SmtpState.Ready],
        ["RCPT"] = [SmtpState.Mail, SmtpState.Recipients],
        ["DATA"] = [SmtpState.Recipients],
        ["BDAT"] = [SmtpState.Recipients, SmtpState.Chunking],
        ["RSET"] = Any,
        ["NOOP"] = Any,
        ["QUIT"] = Any,
        ["VRFY"] = AfterHello,
        ["EXPN"] = AfterHello,
        ["HELP"] = Any,
    };

    public static bool IsKnown(string verb) => Allowed.ContainsKey(verb);

    public static bool IsAllowed(string verb, SmtpState state) =>
        Allowed.TryGetValue(verb, out var states) && Array.IndexOf(states, state) >= 0;
}
