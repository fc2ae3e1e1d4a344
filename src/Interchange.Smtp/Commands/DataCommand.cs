using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>DATA (RFC 5321 4.1.1.4): streams the message into the blob store; 250 only once it is durable.</summary>
internal static class DataCommand
{
    public static async ValueTask<bool> ExecuteAsync(SmtpSession session, string arguments)
    {
        if (arguments.Trim().Length > 0)
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", "Syntax: DATA")).ConfigureAwait(false);
            return false;
        }

        await session.ReplyAsync(new SmtpReply(354, null, "End data with <CR><LF>.<CR><LF>")).ConfigureAwait(false);
        await session.BeginContentAsync("DATA").ConfigureAwait(false);
        if (!await session.ReadDataAsync().ConfigureAwait(false))
        {
            // The client went away mid-message: nothing was acknowledged, nothing is kept.
            session.ResetTransaction();
            session.Close();
            return false;
        }

        await session.FinishMessageAsync().ConfigureAwait(false);
        return true;
    }
}
