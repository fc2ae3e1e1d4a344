using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Interchange.Core.Net;

namespace Interchange.Smtp.Client;

/// <summary>
/// Reply lines from the peer, never holding more than the limit: unlike the server's
/// <see cref="LineReader"/> (which drops an over-long command and answers it), a client has
/// nothing to say to a server whose line exceeds the limit, so the line is reported
/// <see cref="LineKind.TooLong"/> as soon as it is known to be too long, not at its end (an
/// endless line ends the session at once, not at the timeout).
/// </summary>
internal sealed class SmtpReplyLineReader(PipeReader reader)
{
    public async ValueTask<Line> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var content = buffer.Slice(0, end);
                if (content.Length > maxLength)
                {
                    reader.AdvanceTo(buffer.GetPosition(1, end));
                    return new Line(LineKind.TooLong, string.Empty);
                }

                var text = Encoding.UTF8.GetString(content);
                reader.AdvanceTo(buffer.GetPosition(1, end));
                return new Line(LineKind.Text, text.EndsWith('\r') ? text[..^1] : text);
            }

            if (buffer.Length > maxLength)
            {
                reader.AdvanceTo(buffer.End);
                return new Line(LineKind.TooLong, string.Empty);
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return new Line(LineKind.Closed, string.Empty);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Drops what the peer sent ahead (plaintext behind the 220 to STARTTLS); returns how many bytes.</summary>
    public long DiscardBuffered()
    {
        if (!reader.TryRead(out var pending))
        {
            return 0;
        }

        reader.AdvanceTo(pending.Buffer.End);
        return pending.Buffer.Length;
    }
}
