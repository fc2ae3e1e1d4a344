namespace Interchange.Smtp.Protocol;

/// <summary>
/// One allowed command in one state of <see cref="SmtpStateTable"/>: the state the session moves to
/// when the command succeeds (null: it stays), and an optional guard that refuses the command in
/// this session with <c>503 5.5.1</c> and the guard's reason (AUTH twice, STARTTLS under TLS).
/// </summary>
public sealed record SmtpTransition(SmtpState? Next, Func<ISmtpSessionFacts, string?>? Guard = null)
{
    /// <summary>The state after the command succeeded in <paramref name="from"/>.</summary>
    public SmtpState After(SmtpState from) => Next ?? from;

    /// <summary>Why the command is out of sequence in this session, or null when it may run.</summary>
    public string? Refusal(ISmtpSessionFacts session) => Guard?.Invoke(session);
}
