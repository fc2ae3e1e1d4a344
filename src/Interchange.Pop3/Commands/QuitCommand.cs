using Interchange.Pop3.Session;
using Interchange.Storage.Mail;
using Microsoft.Extensions.Logging;

namespace Interchange.Pop3.Commands;

/// <summary>QUIT (RFC 1939 6): in the TRANSACTION state, the UPDATE state removes what DELE marked, now and only now.</summary>
internal static class QuitCommand
{
    public static async ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        session.Close();
        if (!session.InTransaction)
        {
            session.Send($"+OK {session.Services.HostName} POP3 signing off");
            return;
        }

        // UPDATE state (RFC 1939 6): remove what was marked, now and only now.
        var uids = session.Maildrop!.Messages.Where((_, i) => session.Deleted[i]).Select(m => m.Uid).ToList();
        try
        {
            if (uids.Count > 0)
            {
                await session.Services.Mail.StoreFlagsAsync(session.Maildrop.Id, uids, FlagChange.Add, [MessageFlags.Deleted], cancellationToken: CancellationToken.None).ConfigureAwait(false);
                await session.Services.Mail.ExpungeAsync(session.Maildrop.Id, uids, CancellationToken.None).ConfigureAwait(false);
            }

            session.Send($"+OK {session.Services.HostName} POP3 signing off ({uids.Count} messages deleted)");
        }
        catch (Exception ex) when (ex is Interchange.Storage.StoreException or InvalidOperationException)
        {
            session.Services.Logger.LogError(ex, "POP3 {Id}: removing {Count} messages at QUIT failed", session.Id, uids.Count);
            session.Send("-ERR [SYS/TEMP] Some deleted messages were not removed");
        }
    }
}
