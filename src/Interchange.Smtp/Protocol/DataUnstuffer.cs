using System.Buffers;

namespace Interchange.Smtp.Protocol;

/// <summary>
/// The DATA phase's transparency procedure (RFC 5321 4.5.2), resumable over buffers split
/// anywhere: removes the leading dot of dot-stuffed lines and stops at <c>CRLF.CRLF</c>. Only
/// CRLF counts as a line end: a bare LF or CR is data, so <c>LF.LF</c> or <c>LF.CRLF</c> cannot
/// end the message early (SMTP smuggling). The CRLF before the final dot belongs to the message.
/// </summary>
public sealed class DataUnstuffer
{
    private State _state = State.LineStart;

    private enum State
    {
        LineStart,
        Middle,
        AfterCr,
        LineStartDot,
        LineStartDotCr,
        Done,
    }

    public bool IsDone => _state == State.Done;

    /// <summary>
    /// Feeds <paramref name="input"/>; writes the message bytes to <paramref name="output"/> and
    /// returns how many input bytes were used (all of them, unless the end was reached first).
    /// </summary>
    public long Feed(ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        long used = 0;
        foreach (var segment in input)
        {
            var span = segment.Span;
            var i = Feed(span, output);
            used += i;
            if (_state == State.Done)
            {
                break;
            }
        }

        return used;
    }

    private int Feed(ReadOnlySpan<byte> span, IBufferWriter<byte> output)
    {
        var runStart = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var b = span[i];
            switch (_state)
            {
                case State.LineStart:
                    if (b == '.')
                    {
                        Emit(span[runStart..i], output);
                        runStart = i + 1; // the dot is held back
                        _state = State.LineStartDot;
                    }
                    else
                    {
                        _state = b == '\r' ? State.AfterCr : State.Middle;
                    }

                    break;
                case State.Middle:
                    if (b == '\r')
                    {
                        _state = State.AfterCr;
                    }

                    break;
                case State.AfterCr:
                    _state = b switch
                    {
                        (byte)'\n' => State.LineStart,
                        (byte)'\r' => State.AfterCr,
                        _ => State.Middle,
                    };
                    break;
                case State.LineStartDot:
                    if (b == '\r')
                    {
                        runStart = i + 1; // hold the CR back too: ".\r\n" ends the data
                        _state = State.LineStartDotCr;
                    }
                    else
                    {
                        // A stuffed dot: it is dropped, the rest of the line is data.
                        runStart = i;
                        _state = State.Middle;
                    }

                    break;
                case State.LineStartDotCr:
                    if (b == '\n')
                    {
                        _state = State.Done;
                        return i + 1;
                    }

                    // ".\r" then something else: the dot was stuffing, the CR is data.
                    output.Write("\r"u8);
                    runStart = i;
                    _state = b == '\r' ? State.AfterCr : State.Middle;
                    break;
            }
        }

        if (_state is not (State.LineStartDot or State.LineStartDotCr))
        {
            Emit(span[runStart..], output);
        }

        return span.Length;
    }

    private static void Emit(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (!bytes.IsEmpty)
        {
            output.Write(bytes);
        }
    }
}
