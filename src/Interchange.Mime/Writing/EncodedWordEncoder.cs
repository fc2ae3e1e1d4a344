using System.Buffers.Text;
using System.Text;

namespace Interchange.Mime.Writing;

/// <summary>
/// RFC 2047 encoded words for the writer: UTF-8, Q or B (whichever is shorter), each word at
/// most 75 characters and split between characters, never inside one.
/// </summary>
internal static class EncodedWordEncoder
{
    private const int MaxWordLength = 75;
    private const string Prefix = "=?utf-8?";

    // RFC 2047 §5 (3): the characters a Q-encoded word may carry literally in a phrase, the
    // strictest context, used everywhere for simplicity.
    private static bool IsQSafe(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'!' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'/';

    public static List<string> Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var qLength = 0;
        foreach (var b in bytes)
        {
            qLength += IsQSafe(b) || b == ' ' ? 1 : 3;
        }

        var useQ = qLength <= (bytes.Length + 2) / 3 * 4;
        var budget = MaxWordLength - Prefix.Length - "Q?".Length - "?=".Length;
        var words = new List<string>();
        var chunk = new List<byte>();
        var chunkLength = 0;
        Span<byte> runeBytes = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(runeBytes);
            var runeLength = useQ ? QLength(runeBytes[..n]) : 0;
            var fits = useQ ? chunkLength + runeLength <= budget : (chunk.Count + n + 2) / 3 * 4 <= budget;
            if (!fits && chunk.Count > 0)
            {
                words.Add(Word(chunk, useQ));
                chunk.Clear();
                chunkLength = 0;
            }

            for (var k = 0; k < n; k++)
            {
                chunk.Add(runeBytes[k]);
            }

            chunkLength += runeLength;
        }

        if (chunk.Count > 0 || words.Count == 0)
        {
            words.Add(Word(chunk, useQ));
        }

        return words;
    }

    private static int QLength(ReadOnlySpan<byte> bytes)
    {
        var length = 0;
        foreach (var b in bytes)
        {
            length += IsQSafe(b) || b == ' ' ? 1 : 3;
        }

        return length;
    }

    private static string Word(List<byte> bytes, bool useQ)
    {
        var text = new StringBuilder(Prefix).Append(useQ ? "Q?" : "B?");
        if (useQ)
        {
            foreach (var b in bytes)
            {
                if (b == ' ')
                {
                    text.Append('_');
                }
                else if (IsQSafe(b))
                {
                    text.Append((char)b);
                }
                else
                {
                    text.Append('=').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
        else
        {
            var data = bytes.ToArray();
            var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(data.Length)];
            Base64.EncodeToUtf8(data, encoded, out _, out var written);
            text.Append(Encoding.ASCII.GetString(encoded, 0, written));
        }

        return text.Append("?=").ToString();
    }
}
