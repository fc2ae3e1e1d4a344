using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>RSET, NOOP, QUIT, VRFY, EXPN, HELP (RFC 5321 4.1.1.5–4.1.1.10).</summary>
internal static class SimpleCommands
{
    public static ValueTask RsetAsync(SmtpSession session, string arguments)
    {
        session.ResetTransaction();
        return session.ReplyAsync(new SmtpReply(250, "2.0.0", "Ok"));
    }

    public static ValueTask NoopAsync(SmtpSession session, string arguments) =>
        session.ReplyAsync(new SmtpReply(250, "2.0.0", "Ok"));

    public static ValueTask QuitAsync(SmtpSession session, string arguments) =>
        session.SendAndCloseAsync(new SmtpReply(221, "2.0.0", "Bye"));

    /// <summary>VRFY is off (it hands address harvesters a directory): 252 per RFC 5321 3.5.3.</summary>
    public static ValueTask VrfyAsync(SmtpSession session, string arguments) =>
        session.ReplyAsync(new SmtpReply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"));

    public static ValueTask ExpnAsync(SmtpSession session, string arguments) =>
        session.ReplyAsync(new SmtpReply(502, "5.5.1", "EXPN is not available"));

    public static ValueTask HelpAsync(SmtpSession session, string arguments) =>
        session.ReplyAsync(new SmtpReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH; see RFC 5321"));
}
