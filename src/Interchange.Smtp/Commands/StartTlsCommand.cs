using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>STARTTLS (RFC 3207).</summary>
internal static class StartTlsCommand
{
    public static async ValueTask ExecuteAsync(SmtpSession session, string arguments)
    {
        if (arguments.Trim().Length > 0)
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", "Syntax: STARTTLS")).ConfigureAwait(false);
            return;
        }

        if (!session.CanStartTls)
        {
            await session.ReplyAsync(session.IsTls
                ? new SmtpReply(503, "5.5.1", "Error: TLS already active")
                : new SmtpReply(454, "4.7.0", "TLS not available")).ConfigureAwait(false);
            return;
        }

        await session.ReplyAsync(new SmtpReply(220, "2.0.0", "Ready to start TLS")).ConfigureAwait(false);
        await session.StartTlsAsync().ConfigureAwait(false);
    }
}
