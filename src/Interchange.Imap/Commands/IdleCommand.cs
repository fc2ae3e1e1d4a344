using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Interchange.Imap.Protocol;

namespace Interchange.Imap.Session;

/// <summary>
/// IDLE (RFC 2177): after "+ idling", reports every change to the selected mailbox as it
/// happens (woken by <see cref="Storage.Mail.MailboxEvents"/>, then reading the store) until the
/// client sends DONE. Ends after the idle timeout or at shutdown.
/// </summary>
internal sealed partial class ImapSession
{
    private async ValueTask IdleAsync(ImapCommand command)
    {
        var events = _services.Events;
        var seen = events.Version(UserKey);
        await ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
        await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false);

        // Revocation, shutdown and the idle deadline all end the wait through the session's token.
        Control.SetDeadline(Core.Net.SessionEndReason.CommandTimeout, _services.Options.IdleTimeout);
        var token = Control.Token;
        var read = Transport.Input.ReadAsync(token).AsTask();
        while (true)
        {
            var changed = events.WaitAsync(UserKey, seen, token);
            var first = await Task.WhenAny(read, changed).ConfigureAwait(false);
            if (first == changed && changed.IsCompletedSuccessfully)
            {
                seen = events.Version(UserKey);
                await ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
                await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
                continue;
            }

            ReadResult result;
            try
            {
                result = await read.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ConnectionClosed.IsCancellationRequested)
            {
                _out.UntaggedStatus(ImapStatus.Bye, EndText());
                _closing = true;
                return;
            }

            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = Encoding.ASCII.GetString(buffer.Slice(0, end)).Trim();
                Transport.Input.AdvanceTo(buffer.GetPosition(1, end));
                if (string.Equals(line, "DONE", StringComparison.OrdinalIgnoreCase))
                {
                    Ok(command, "IDLE terminated");
                }
                else
                {
                    Bad(command, "Expected DONE");
                }

                return;
            }

            if (result.IsCompleted || buffer.Length > 1024)
            {
                Transport.Input.AdvanceTo(buffer.End);
                _closing = true;
                return;
            }

            Transport.Input.AdvanceTo(buffer.Start, buffer.End);
            read = Transport.Input.ReadAsync(token).AsTask();
        }
    }
}
