namespace Interchange.Smtp.Filters;

/// <summary>
/// Something the SMTP server consults at each stage of a session and at the end of each message:
/// the built-in message authentication (SPF, DKIM, DMARC, ARC), and external filters over the
/// milter protocol. Filters run in configuration order; at the end of a message each sees the
/// message as the filters before it left it (Postfix applies one milter's changes before the
/// next sees the message, which is what lets OpenDMARC read OpenDKIM's results).
/// </summary>
public interface ISmtpFilter
{
    /// <summary>For logs: <c>authentication</c>, <c>milter opendkim</c>.</summary>
    string Name { get; }

    /// <summary>A filter session for one SMTP connection, or null when this filter does not apply
    /// to it (it is for another listener). Must not block: connecting to a milter is the session's
    /// <see cref="ISmtpFilterSession.ConnectAsync"/>.</summary>
    ISmtpFilterSession? Open(SmtpFilterConnection connection);
}
