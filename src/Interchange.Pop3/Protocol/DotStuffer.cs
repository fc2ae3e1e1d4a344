using System.Buffers;

namespace Interchange.Pop3.Protocol;

/// <summary>
/// The byte-stuffing of multi-line responses (RFC 1939 3): a line starting with '.' gets another
/// '.', and the response ends with CRLF.CRLF (a CRLF is added first if the content did not end
/// with one). Resumable over chunks; a line start is after CRLF.
/// </summary>
public sealed class DotStuffer
{
    private bool _atLineStart = true;
    private bool _afterCr;
    private bool _any;

    public void Write(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var runStart = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (_atLineStart && b == '.')
            {
                output.Write(data[runStart..i]);
                output.Write("."u8);
                runStart = i;
            }

            _atLineStart = _afterCr && b == '\n';
            _afterCr = b == '\r';
        }

        output.Write(data[runStart..]);
        _any |= data.Length > 0;
    }

    /// <summary>Ends the response: CRLF if the content did not end with one, then ".CRLF".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_any && !_atLineStart)
        {
            output.Write("\r\n"u8);
        }

        output.Write(".\r\n"u8);
    }
}
