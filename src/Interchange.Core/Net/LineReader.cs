using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Interchange.Core.Net;

/// <summary>
/// Reads CRLF (or bare LF) terminated command lines from a <see cref="PipeReader"/> for the
/// line protocols (SMTP, POP3), never buffering more than the limit: an over-long line is
/// dropped as it arrives and reported as <see cref="LineKind.TooLong"/> at its end. Before it
/// waits for the network it calls the flush callback, so replies to a pipelined batch go out in
/// one write only when no further command is already waiting (RFC 2920).
/// </summary>
public sealed class LineReader(PipeReader reader)
{
    private bool _discardingLongLine;

    /// <summary>The pipe read from; replaced after a TLS upgrade.</summary>
    public PipeReader Reader { get; set; } = reader;

    public async ValueTask<Line> ReadLineAsync(int maxLength, Func<ValueTask> flushBeforeWaiting, CancellationToken cancellationToken)
    {
        // A session told to end does not go on with lines it already holds (TryRead ignores the token).
        cancellationToken.ThrowIfCancellationRequested();

        // After a partial line, wait for more bytes: TryRead would hand back the same ones.
        var mustWait = false;
        while (true)
        {
            ReadResult result;
            if (mustWait || !Reader.TryRead(out result))
            {
                await flushBeforeWaiting().ConfigureAwait(false);
                result = await Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }

            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var content = buffer.Slice(0, end);
                var tooLong = _discardingLongLine || content.Length > maxLength;
                var text = tooLong ? string.Empty : Encoding.UTF8.GetString(content); // before AdvanceTo releases the buffer
                Reader.AdvanceTo(buffer.GetPosition(1, end));
                if (tooLong)
                {
                    _discardingLongLine = false;
                    return new Line(LineKind.TooLong, string.Empty);
                }

                return new Line(LineKind.Text, text.EndsWith('\r') ? text[..^1] : text);
            }

            if (result.IsCompleted)
            {
                Reader.AdvanceTo(buffer.End);
                return new Line(LineKind.Closed, string.Empty);
            }

            if (buffer.Length > maxLength)
            {
                _discardingLongLine = true;
                Reader.AdvanceTo(buffer.End);
            }
            else
            {
                Reader.AdvanceTo(buffer.Start, buffer.End);
            }

            mustWait = true;
        }
    }

    /// <summary>Drops whatever the client sent ahead (plaintext pipelined behind STARTTLS/STLS); returns how many bytes.</summary>
    public long DiscardBuffered()
    {
        if (!Reader.TryRead(out var pending))
        {
            return 0;
        }

        Reader.AdvanceTo(pending.Buffer.End);
        return pending.Buffer.Length;
    }
}

public enum LineKind
{
    Text,
    TooLong,
    Closed,
    TimedOut,
}

public readonly record struct Line(LineKind Kind, string Text);
