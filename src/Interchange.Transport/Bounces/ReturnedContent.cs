using Interchange.Storage.Content;

namespace Interchange.Transport.Bounces;

/// <summary>
/// The part of the original a DSN returns: the whole message when asked for and small enough
/// to travel, else its header section. Reads at most the limit from the content.
/// </summary>
internal sealed class ReturnedContent
{
    // RFC 5322 2.1.1 / RFC 5321 4.5.3.1.6: longer lines cannot go in an 8bit or 7bit entity.
    private const int MaxLineOctets = 998;

    private ReturnedContent(byte[] bytes, bool isFull)
    {
        Bytes = bytes;
        IsFull = isFull;
        var headerEnd = isFull ? HeaderEnd(bytes, bytes.Length) : bytes.Length;
        var utf8Header = bytes.AsSpan(0, headerEnd < 0 ? bytes.Length : headerEnd).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
        EightBit = bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

        // RFC 6532 3.7 / RFC 6533 6.3, 6.4: a header section with UTF-8 is message/global(-headers).
        MediaType = isFull || utf8Header ? "message" : "text";
        MediaSubtype = (isFull, utf8Header) switch
        {
            (true, false) => "rfc822",
            (true, true) => "global",
            (false, false) => "rfc822-headers",
            _ => "global-headers",
        };
    }

    public byte[] Bytes { get; }

    public bool IsFull { get; }

    public bool EightBit { get; }

    public string MediaType { get; }

    public string MediaSubtype { get; }

    public static async Task<ReturnedContent> ReadAsync(MessageContent content, bool wantsFull, int limit, CancellationToken cancellationToken)
    {
        var length = content.Length;
        var buffer = new byte[(int)Math.Min(length, limit)];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await content.ReadAsync(filled, buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        var whole = filled == length;
        if (wantsFull && whole && Transportable(buffer.AsSpan(0, filled)))
        {
            return new ReturnedContent(WithFinalLineBreak(buffer.AsSpan(0, filled)), isFull: true);
        }

        var end = HeaderEnd(buffer, filled);
        if (end < 0)
        {
            // No blank line within what was read: all header if the message ended, else cut
            // after the last whole line (a header section larger than the limit).
            end = whole ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
        }

        return new ReturnedContent(WithFinalLineBreak(buffer.AsSpan(0, end)), isFull: false);
    }

    // The offset just past the header section's last line break, or -1 when the blank line is not there.
    private static int HeaderEnd(byte[] bytes, int count)
    {
        var span = bytes.AsSpan(0, count);
        if (span.StartsWith("\r\n"u8) || span.StartsWith("\n"u8))
        {
            return 0;
        }

        for (var i = span.IndexOf((byte)'\n'); i >= 0 && i < count - 1;)
        {
            var next = span[(i + 1)..];
            if (next.StartsWith("\r\n"u8) || next.StartsWith("\n"u8))
            {
                return i + 1;
            }

            var further = next.IndexOf((byte)'\n');
            i = further < 0 ? -1 : i + 1 + further;
        }

        return -1;
    }

    private static bool Transportable(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Contains((byte)0))
        {
            return false;
        }

        foreach (var line in bytes.Split((byte)'\n'))
        {
            if (line.End.GetOffset(bytes.Length) - line.Start.GetOffset(bytes.Length) > MaxLineOctets + 1)
            {
                return false;
            }
        }

        return true;
    }

    // The multipart delimiter's CRLF belongs to the delimiter (RFC 2046 5.1.1), so the entity must end its own last line.
    private static byte[] WithFinalLineBreak(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 0 || bytes[^1] == '\n' ? bytes.ToArray() : [.. bytes, (byte)'\r', (byte)'\n'];
}
