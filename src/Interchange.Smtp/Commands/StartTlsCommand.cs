using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>STARTTLS (RFC 3207).</summary>
internal static class StartTlsCommand
{
    public static async ValueTask<bool> ExecuteAsync(SmtpSession session, string arguments)
    {
        if (arguments.Trim().Length > 0)
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", "Syntax: STARTTLS")).ConfigureAwait(false);
            return false;
        }

        if (!session.CanStartTls)
        {
            // STARTTLS under TLS is refused by SmtpStateTable; here the listener has no certificate (or is 465).
            await session.ReplyAsync(new SmtpReply(454, "4.7.0", "TLS not available")).ConfigureAwait(false);
            return false;
        }

        await session.ReplyAsync(new SmtpReply(220, "2.0.0", "Ready to start TLS")).ConfigureAwait(false);
        await session.StartTlsAsync().ConfigureAwait(false);
        return true;
    }
}
