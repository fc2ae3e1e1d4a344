using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Interchange.Imap.Protocol;
using Interchange.Imap.Session;

namespace Interchange.Imap.Commands;

/// <summary>
/// IDLE (RFC 2177): after "+ idling", reports every change to the selected mailbox as it
/// happens (woken by <see cref="Storage.Mail.MailboxEvents"/>, then reading the store) until the
/// client sends DONE. Ends after the idle timeout or at shutdown.
/// </summary>
internal static class IdleCommand
{
    internal static async ValueTask IdleAsync(ImapSession session, ImapCommand command)
    {
        var events = session.Services.Events;
        var seen = events.Version(session.UserKey);
        await SelectionCommands.ReportChangesAsync(session, allowExpunge: true).ConfigureAwait(false);
        await session.Output.FlushAsync(session.ConnectionClosed).ConfigureAwait(false);

        // Revocation, shutdown and the idle deadline all end the wait through the session's token.
        session.Control.SetDeadline(Core.Net.SessionEndReason.CommandTimeout, session.Services.Options.IdleTimeout);
        var token = session.Control.Token;
        var read = session.Transport.Input.ReadAsync(token).AsTask();
        while (true)
        {
            var changed = events.WaitAsync(session.UserKey, seen, token);
            var first = await Task.WhenAny(read, changed).ConfigureAwait(false);
            if (first == changed && changed.IsCompletedSuccessfully)
            {
                seen = events.Version(session.UserKey);
                await SelectionCommands.ReportChangesAsync(session, allowExpunge: true).ConfigureAwait(false);
                await session.Output.FlushAsync(session.ConnectionClosed).ConfigureAwait(false);
                continue;
            }

            ReadResult result;
            try
            {
                result = await read.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!session.ConnectionClosed.IsCancellationRequested)
            {
                session.Out.UntaggedStatus(ImapStatus.Bye, session.EndText());
                session.Close();
                return;
            }

            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = Encoding.ASCII.GetString(buffer.Slice(0, end)).Trim();
                session.Transport.Input.AdvanceTo(buffer.GetPosition(1, end));
                if (string.Equals(line, "DONE", StringComparison.OrdinalIgnoreCase))
                {
                    session.Ok(command, "IDLE terminated");
                }
                else
                {
                    session.Bad(command, "Expected DONE");
                }

                return;
            }

            if (result.IsCompleted || buffer.Length > 1024)
            {
                session.Transport.Input.AdvanceTo(buffer.End);
                session.Close();
                return;
            }

            session.Transport.Input.AdvanceTo(buffer.Start, buffer.End);
            read = session.Transport.Input.ReadAsync(token).AsTask();
        }
    }
}
