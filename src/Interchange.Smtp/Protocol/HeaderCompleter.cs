using System.Buffers;
using System.Text;

namespace Interchange.Smtp.Protocol;

/// <summary>
/// Adds the <c>Date</c> and <c>Message-ID</c> fields a submitted message lacks (RFC 6409 8.2,
/// 8.3), at the end of its header section. Only the header section is held (up to a limit), to
/// learn which fields it has; the body streams through. Input must have CRLF line ends (see
/// <c>CrLfNormalizer</c>), so the header ends at the first empty line. A header section longer
/// than the limit is passed on unchanged: nothing is added to it. Resumable over chunks.
/// </summary>
public sealed class HeaderCompleter(int maxHeaderBytes, Func<string> date, Func<string> messageId)
{
    private readonly int _maxHeaderBytes = Math.Max(0, maxHeaderBytes);
    private readonly ArrayBufferWriter<byte> _header = new();
    private int _searched;
    private bool _passing;

    /// <summary>The header section was longer than the limit and went on unchanged.</summary>
    public bool Overflowed { get; private set; }

    public void Feed(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!_passing && !data.IsEmpty)
        {
            var take = Math.Min(_maxHeaderBytes - _header.WrittenCount, data.Length);
            _header.Write(data[..take]);
            data = data[take..];
            var end = FindHeaderEnd();
            if (end >= 0)
            {
                Emit(end, output);
            }
            else if (_header.WrittenCount >= _maxHeaderBytes)
            {
                output.Write(_header.WrittenSpan);
                Overflowed = true;
                _passing = true;
            }
        }

        if (!data.IsEmpty)
        {
            output.Write(data);
        }
    }

    /// <summary>The message ended; one without an empty line is all header, and gets its fields at the end.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_passing)
        {
            Emit(_header.WrittenCount, output);
        }
    }

    /// <summary>Where the header section ends (the empty line's CRLF starts there); -1 if not seen yet.</summary>
    private int FindHeaderEnd()
    {
        var span = _header.WrittenSpan;
        if (span.StartsWith("\r\n"u8))
        {
            return 0;
        }

        var from = Math.Max(0, _searched - 3);
        _searched = span.Length;
        var at = span[from..].IndexOf("\r\n\r\n"u8);
        return at < 0 ? -1 : from + at + 2;
    }

    private void Emit(int headerEnd, IBufferWriter<byte> output)
    {
        _passing = true;
        var all = _header.WrittenSpan;
        var header = all[..headerEnd];
        output.Write(header);
        if (header.Length > 0 && !header.EndsWith("\r\n"u8))
        {
            output.Write("\r\n"u8);
        }

        if (!HasField(header, "Date"u8))
        {
            output.Write(Encoding.ASCII.GetBytes($"Date: {date()}\r\n"));
        }

        if (!HasField(header, "Message-ID"u8))
        {
            output.Write(Encoding.ASCII.GetBytes($"Message-ID: {messageId()}\r\n"));
        }

        output.Write(all[headerEnd..]);
        _header.Clear();
    }

    /// <summary>Does a field of that name start a line (not a folded continuation)? Names compare ASCII case-insensitively, white space before the colon allowed (RFC 5322 4.5.3).</summary>
    private static bool HasField(ReadOnlySpan<byte> header, ReadOnlySpan<byte> name)
    {
        while (!header.IsEmpty)
        {
            var end = header.IndexOf("\r\n"u8);
            var line = end < 0 ? header : header[..end];
            header = end < 0 ? default : header[(end + 2)..];
            if (line.Length > name.Length && Ascii.EqualsIgnoreCase(line[..name.Length], name) && line[name.Length..].TrimStart(" \t"u8) is [(byte)':', ..])
            {
                return true;
            }
        }

        return false;
    }
}
