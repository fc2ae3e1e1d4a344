using System.Text;

namespace Interchange.Mime.Encodings;

/// <summary>
/// Decodes UTF-7 (RFC 2152), which .NET no longer provides (<c>Encoding.GetEncoding("utf-7")</c>
/// throws <see cref="NotSupportedException"/>) but old mail still names. Lenient like every
/// decoder here: it never throws; a byte outside ASCII and a lone surrogate become U+FFFD, and
/// leftover bits at the end of a shifted sequence are dropped.
/// </summary>
public static class Utf7Decoder
{
    // The charset's names in the IANA registry and in mail (case-insensitive).
    private static readonly HashSet<string> s_names = new(StringComparer.OrdinalIgnoreCase)
    {
        "utf-7", "utf7", "unicode-1-1-utf-7", "csUnicode11UTF7", "unicode-2-0-utf-7", "x-unicode-2-0-utf-7", "x-unicode-1-1-utf-7",
    };

    /// <summary>True when <paramref name="charset"/> names UTF-7.</summary>
    public static bool IsUtf7(string charset) => s_names.Contains(charset);

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var output = new StringBuilder(bytes.Length);
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i++];
            if (b != '+')
            {
                output.Append(b < 0x80 ? (char)b : '\uFFFD');
                continue;
            }

            // "+-" is a literal '+' (RFC 2152 rule 2).
            if (i < bytes.Length && bytes[i] == '-')
            {
                output.Append('+');
                i++;
                continue;
            }

            var end = DecodeShifted(bytes, i, output);
            if (end == i)
            {
                // '+' before a byte that cannot start base64: ill-formed; keep the '+' as written.
                output.Append('+');
            }

            i = end;
        }

        return output.ToString();
    }

    // A shifted sequence: modified base64 of UTF-16BE code units, ended by any byte outside the
    // base64 alphabet; a '-' that ends it is absorbed. Returns the index after the sequence.
    private static int DecodeShifted(ReadOnlySpan<byte> bytes, int i, StringBuilder output)
    {
        var bits = 0;
        var bitCount = 0;
        char? highSurrogate = null;
        while (i < bytes.Length && Value(bytes[i]) is var value && value >= 0)
        {
            i++;
            bits = (bits << 6) | value;
            bitCount += 6;
            if (bitCount < 16)
            {
                continue;
            }

            bitCount -= 16;
            var unit = (char)((bits >> bitCount) & 0xFFFF);
            bits &= (1 << bitCount) - 1;
            if (highSurrogate is { } high)
            {
                highSurrogate = null;
                if (char.IsLowSurrogate(unit))
                {
                    output.Append(high).Append(unit);
                    continue;
                }

                output.Append('\uFFFD');
            }

            if (char.IsHighSurrogate(unit))
            {
                highSurrogate = unit;
            }
            else
            {
                output.Append(char.IsLowSurrogate(unit) ? '\uFFFD' : unit);
            }
        }

        if (highSurrogate is not null)
        {
            output.Append('\uFFFD');
        }

        if (i < bytes.Length && bytes[i] == '-')
        {
            i++;
        }

        return i;
    }

    private static int Value(byte b) => b switch
    {
        >= (byte)'A' and <= (byte)'Z' => b - 'A',
        >= (byte)'a' and <= (byte)'z' => b - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => b - '0' + 52,
        (byte)'+' => 62,
        (byte)'/' => 63,
        _ => -1,
    };
}
