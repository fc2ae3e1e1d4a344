namespace Interchange.Smtp.Filters;

/// <summary>
/// One filter's view of one SMTP connection. The SMTP session calls these in protocol order, one
/// at a time (never concurrently), each bounded by the session's token; a filter that cannot
/// answer (a milter down or hung) answers with its configured default itself — an exception
/// escaping is treated as <see cref="SmtpFilterVerdict.TempFail(string)"/> and logged.
/// After a verdict other than <see cref="SmtpFilterVerdictKind.Continue"/> for a transaction, the
/// filter hears nothing more of that transaction but <see cref="ResetAsync"/>.
/// </summary>
public interface ISmtpFilterSession : IAsyncDisposable
{
    /// <summary>The client connected (milter SMFIC_CONNECT).</summary>
    ValueTask<SmtpFilterVerdict> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>HELO or EHLO was accepted by the server (SMFIC_HELO).</summary>
    ValueTask<SmtpFilterVerdict> HeloAsync(string name, CancellationToken cancellationToken);

    /// <summary>MAIL FROM was accepted by the server; <paramref name="sender"/> without angle
    /// brackets, empty for the null path; <paramref name="parameters"/> as <c>KEY=value</c> (SMFIC_MAIL).</summary>
    ValueTask<SmtpFilterVerdict> MailAsync(string sender, IReadOnlyList<string> parameters, CancellationToken cancellationToken);

    /// <summary>A RCPT TO the server would accept (SMFIC_RCPT); a rejection refuses that recipient only.</summary>
    ValueTask<SmtpFilterVerdict> RecipientAsync(string recipient, IReadOnlyList<string> parameters, CancellationToken cancellationToken);

    /// <summary>The message is complete (headers, body, end of message: SMFIC_HEADER…SMFIC_BODYEOB).
    /// Changes go through <paramref name="message"/>; the verdict decides the reply to the end of DATA.</summary>
    ValueTask<SmtpFilterVerdict> MessageAsync(SmtpFilterMessage message, CancellationToken cancellationToken);

    /// <summary>The transaction ended (RSET, a new MAIL after a message, a refusal): forget it (SMFIC_ABORT).</summary>
    ValueTask ResetAsync(CancellationToken cancellationToken);
}
