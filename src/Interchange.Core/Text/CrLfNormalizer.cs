using System.Buffers;

namespace Interchange.Core.Text;

/// <summary>
/// Makes every line end of a message CRLF (RFC 5322 2.1), as Postfix and Exchange do on accept:
/// a bare LF and a bare CR each become CRLF, so "\r\r\n" is two line ends. Resumable over
/// chunks split anywhere: a CR at the end of one chunk waits for the next to know whether an LF
/// follows. Content that is already canonical passes through unchanged, in runs.
/// </summary>
public sealed class CrLfNormalizer
{
    private bool _pendingCr;

    /// <summary>Normalises <paramref name="data"/> into <paramref name="output"/>; a trailing CR is held back.</summary>
    public void Feed(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var i = 0;
        if (_pendingCr && data.Length > 0)
        {
            _pendingCr = false;
            output.Write("\r\n"u8);
            if (data[0] == '\n')
            {
                i = 1;
            }
        }

        var runStart = i;
        for (; i < data.Length; i++)
        {
            var b = data[i];
            if (b == '\n')
            {
                // A bare LF (a CRLF's LF is consumed with its CR below).
                Write(data[runStart..i], output);
                output.Write("\r\n"u8);
                runStart = i + 1;
            }
            else if (b == '\r')
            {
                Write(data[runStart..i], output);
                if (i + 1 == data.Length)
                {
                    _pendingCr = true;
                    return;
                }

                output.Write("\r\n"u8);
                if (data[i + 1] == '\n')
                {
                    i++;
                }

                runStart = i + 1;
            }
        }

        Write(data[runStart..], output);
    }

    /// <summary>The content ended: a CR held back is a line end.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_pendingCr)
        {
            _pendingCr = false;
            output.Write("\r\n"u8);
        }
    }

    private static void Write(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (!bytes.IsEmpty)
        {
            output.Write(bytes);
        }
    }
}
