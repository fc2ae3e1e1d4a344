namespace Interchange.Mime.Encodings;

/// <summary>
/// Quoted-printable for the writer (RFC 2045 §6.7): encoded lines of at most 76 characters,
/// soft breaks that never split an escape, CRLF or LF in the input as hard line breaks
/// (written as CRLF), whitespace before a line break and a leading "From " escaped so that
/// transports that strip trailing blanks or mangle mbox lines cannot change the content.
/// </summary>
public static class QuotedPrintableEncoder
{
    public const int MaxLineLength = 76;

    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length + (data.Length / 8) + 8);
        var column = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b == '\n' || (b == '\r' && i + 1 < data.Length && data[i + 1] == '\n'))
            {
                if (b == '\r')
                {
                    i++;
                }

                output.Write("\r\n"u8);
                column = 0;
                continue;
            }

            var atLineEnd = i + 1 == data.Length || data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < data.Length && data[i + 2] == '\n');
            var literal = b is >= 33 and <= 126 && b != '='
                || (b is (byte)' ' or (byte)'\t' && !atLineEnd);
            if (column == 0 && b == 'F' && data[i..].StartsWith("From "u8))
            {
                literal = false;
            }

            var width = literal ? 1 : 3;

            // Keep room for the '=' of a soft break, unless this is the line's last character.
            var limit = atLineEnd ? MaxLineLength : MaxLineLength - 1;
            if (column + width > limit)
            {
                output.Write("=\r\n"u8);
                column = 0;
            }

            if (literal)
            {
                output.WriteByte(b);
            }
            else
            {
                output.WriteByte((byte)'=');
                output.WriteByte(Hex[b >> 4]);
                output.WriteByte(Hex[b & 0xF]);
            }

            column += width;
        }

        return output.ToArray();
    }
}
