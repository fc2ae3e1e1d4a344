using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>RSET, NOOP, QUIT, VRFY, EXPN, HELP (RFC 5321 4.1.1.5–4.1.1.10).</summary>
internal static class SimpleCommands
{
    public static async ValueTask<bool> RsetAsync(SmtpSession session, string arguments)
    {
        session.ResetTransaction();
        await session.ReplyAsync(new SmtpReply(250, "2.0.0", "Ok")).ConfigureAwait(false);
        return true;
    }

    public static ValueTask<bool> NoopAsync(SmtpSession session, string arguments) =>
        Reply(session, new SmtpReply(250, "2.0.0", "Ok"));

    public static async ValueTask<bool> QuitAsync(SmtpSession session, string arguments)
    {
        await session.SendAndCloseAsync(new SmtpReply(221, "2.0.0", "Bye")).ConfigureAwait(false);
        return true;
    }

    /// <summary>VRFY is off (it hands address harvesters a directory): 252 per RFC 5321 3.5.3.</summary>
    public static ValueTask<bool> VrfyAsync(SmtpSession session, string arguments) =>
        Reply(session, new SmtpReply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"));

    public static ValueTask<bool> ExpnAsync(SmtpSession session, string arguments) =>
        Reply(session, new SmtpReply(502, "5.5.1", "EXPN is not available"));

    public static ValueTask<bool> HelpAsync(SmtpSession session, string arguments) =>
        Reply(session, new SmtpReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH; see RFC 5321"));

    private static async ValueTask<bool> Reply(SmtpSession session, SmtpReply reply)
    {
        await session.ReplyAsync(reply).ConfigureAwait(false);
        return !reply.IsError;
    }
}
