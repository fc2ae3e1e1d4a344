using System.Buffers;

namespace Interchange.Core.Net;

/// <summary>
/// The dot-stuffing of a multi-line response or of SMTP DATA (RFC 1939 3, RFC 5321 4.5.2): a
/// line starting with '.' gets another '.', and the content ends with CRLF.CRLF. Resumable over
/// chunks. A line starts after CRLF and also after a bare CR or bare LF: a client (or a server
/// reading our DATA) that takes either as a line end must never see a line "." that the content
/// chose (response injection). A CRLF is added before the final dot unless the content ended
/// with one.
/// </summary>
public sealed class DotStuffer
{
    private bool _atLineStart = true;
    private bool _afterCrLf = true;
    private bool _afterCr;

    public void Write(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
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

            _atLineStart = b is (byte)'\r' or (byte)'\n';
            _afterCrLf = _afterCr && b == '\n';
            _afterCr = b == '\r';
        }

        output.Write(data[runStart..]);
    }

    /// <summary>Ends the content: CRLF unless it ended with CRLF (or was empty), then ".CRLF".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_afterCrLf)
        {
            output.Write("\r\n"u8);
        }

        output.Write(".\r\n"u8);
    }
}
