namespace Interchange.Smtp.Milter;

/// <summary>One milter (an entry of <c>Smtp:Milters</c>): where it listens, how long to wait for it,
/// what stands for it when it fails, and which listeners it filters. Timeouts default to Postfix's
/// milter_connect_timeout, milter_command_timeout and milter_content_timeout.</summary>
public sealed class MilterOptions
{
    /// <summary>For logs and metrics (<c>opendkim</c>).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary><c>unix:/path</c>, <c>inet:port@host</c>, <c>inet:host:port</c> or <c>host:port</c> (see <see cref="MilterEndpoint"/>).</summary>
    public string Socket { get; set; } = string.Empty;

    /// <summary>Time to connect and negotiate.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time for the milter's reply at each stage before the message (connect, HELO, MAIL, RCPT).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time for each exchange once the message is sent (DATA, headers, body, end of message
    /// and its changes); a milter's SMFIR_PROGRESS starts it again.</summary>
    public TimeSpan EndOfMessageTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>What the SMTP server answers for the rest of a connection once this milter fails.</summary>
    public MilterDefaultAction DefaultAction { get; set; } = MilterDefaultAction.TempFail;

    /// <summary>The listeners whose connections this milter filters: <c>smtp</c>, <c>submission</c>,
    /// <c>submissions</c>; empty: all of them.</summary>
    public string[] Listeners { get; set; } = [];

    /// <summary>The listener names <see cref="Listeners"/> may hold.</summary>
    public static IReadOnlyList<string> ListenerNames { get; } = ["smtp", "submission", "submissions"];

    /// <summary>Whether this milter filters connections to <paramref name="listener"/>.</summary>
    public bool AppliesTo(string listener) =>
        Listeners.Length == 0 || Listeners.Any(l => string.Equals(l.Trim(), listener, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every setting that cannot work, each as one message starting with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<string> Validate(string prefix)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add($"{prefix}:Name is required");
        }

        if (!MilterEndpoint.TryParse(Socket, out _, out var error))
        {
            problems.Add($"{prefix}:Socket: {error}");
        }

        if (ConnectTimeout <= TimeSpan.Zero || CommandTimeout <= TimeSpan.Zero || EndOfMessageTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{prefix}: ConnectTimeout, CommandTimeout and EndOfMessageTimeout must be positive");
        }

        if (!Enum.IsDefined(DefaultAction))
        {
            problems.Add($"{prefix}:DefaultAction must be tempfail, accept or reject");
        }

        foreach (var listener in Listeners)
        {
            if (!ListenerNames.Contains(listener.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:Listeners: '{listener}' is not one of {string.Join(", ", ListenerNames)}");
            }
        }

        return problems;
    }
}
