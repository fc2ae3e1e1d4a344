using System.Text;
using Interchange.Mime.Encodings;

namespace Interchange.Mime.Headers;

/// <summary>
/// Decoding of header text: unfolding (RFC 5322 §2.2.3), raw 8-bit bytes (RFC 6532: UTF-8 when
/// valid, else Latin-1), and RFC 2047 encoded words. Nothing here throws on malformed input:
/// what cannot be decoded is kept as literal text.
/// </summary>
public static class HeaderText
{
    // RFC 2047 allows 75 characters per word; broken senders write longer ones, but a word
    // of kilobytes is garbage, and capping it keeps hostile input from costing quadratic time.
    private const int MaxEncodedTextLength = 4096;
    private const int MaxCharsetLength = 100;

    /// <summary>Header bytes to text: UTF-8 when valid (RFC 6532), otherwise Latin-1.</summary>
    public static string DecodeRaw(ReadOnlySpan<byte> bytes) => MimeCharsets.DecodeUtf8OrLatin1(bytes);

    /// <summary>Removes the line breaks of folding (keeping the whitespace after them), and trims.</summary>
    public static string Unfold(string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return text.Trim(' ', '\t');
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is not ('\r' or '\n'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim(' ', '\t');
    }

    /// <summary>
    /// Decodes RFC 2047 encoded words (<c>=?charset?B|Q?text?=</c>) wherever they appear.
    /// Whitespace between two encoded words is dropped (§6.2); consecutive words in one charset
    /// are joined before decoding, so a character split across words survives. A word that is
    /// malformed or unterminated stays as literal text; an unknown charset decodes as UTF-8 or
    /// Latin-1.
    /// </summary>
    public static string DecodeEncodedWords(string text)
    {
        if (!text.Contains("=?", StringComparison.Ordinal))
        {
            return text;
        }

        var output = new StringBuilder(text.Length);
        var pending = new List<byte>();
        string? pendingCharset = null;
        var lastEnd = 0;
        var previousWasWord = false;
        var searchFrom = 0;

        // No word can end after the last "?=": stop there, so hostile text full of "=?" stays linear.
        var lastTerminator = text.LastIndexOf("?=", StringComparison.Ordinal);
        while (true)
        {
            var start = text.IndexOf("=?", searchFrom, StringComparison.Ordinal);
            if (start < 0 || start > lastTerminator)
            {
                break;
            }

            if (!TryReadEncodedWord(text, start, out var end, out var charset, out var bytes))
            {
                searchFrom = start + 2;
                continue;
            }

            var between = text.AsSpan(lastEnd, start - lastEnd);
            if (!(previousWasWord && IsAllWhitespace(between)))
            {
                Flush();
                output.Append(between);
            }

            if (pendingCharset is not null && !SameCharset(pendingCharset, charset))
            {
                Flush();
            }

            pendingCharset = charset;
            pending.AddRange(bytes);
            previousWasWord = true;
            lastEnd = end;
            searchFrom = end;
        }

        Flush();
        output.Append(text.AsSpan(lastEnd));
        return output.ToString();

        void Flush()
        {
            if (pendingCharset is not null)
            {
                output.Append(MimeCharsets.Decode(pending.ToArray(), pendingCharset));
                pending.Clear();
                pendingCharset = null;
            }
        }
    }

    /// <summary>Reads one encoded word at <paramref name="start"/> ("=?"): its charset and decoded bytes.</summary>
    internal static bool TryReadEncodedWord(string text, int start, out int end, out string charset, out byte[] bytes)
    {
        end = start;
        charset = string.Empty;
        bytes = [];
        var i = start + 2;
        var charsetStart = i;
        while (i < text.Length && text[i] != '?' && !HeaderLexer.IsWhitespace(text[i]))
        {
            if (++i - charsetStart > MaxCharsetLength)
            {
                return false;
            }
        }

        if (i == charsetStart || i + 2 >= text.Length || text[i] != '?' || text[i + 2] != '?')
        {
            return false;
        }

        var encoding = char.ToUpperInvariant(text[i + 1]);
        if (encoding is not ('B' or 'Q'))
        {
            return false;
        }

        var textStart = i + 3;
        var j = textStart;
        while (j + 1 < text.Length && !(text[j] == '?' && text[j + 1] == '='))
        {
            if (HeaderLexer.IsWhitespace(text[j]) || j - textStart > MaxEncodedTextLength)
            {
                return false;
            }

            j++;
        }

        if (j + 1 >= text.Length)
        {
            return false; // unterminated: left as literal text
        }

        charset = text[charsetStart..i];
        var encoded = ToBytes(text.AsSpan(textStart, j - textStart));
        bytes = encoding == 'B' ? Base64Decoder.Decode(encoded) : DecodeQ(encoded);
        end = j + 2;
        return true;
    }

    private static byte[] DecodeQ(ReadOnlySpan<byte> encoded)
    {
        var output = new byte[encoded.Length];
        var written = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b == '_')
            {
                output[written++] = (byte)' ';
            }
            else if (b == '=' && i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                output[written++] = (byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2]));
                i += 2;
            }
            else
            {
                output[written++] = b;
            }
        }

        return output.AsSpan(0, written).ToArray();
    }

    // Encoded text is ASCII; anything else (raw UTF-8 pasted inside a word) keeps its UTF-8 bytes.
    private static byte[] ToBytes(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c > 0x7F)
            {
                return Encoding.UTF8.GetBytes(text.ToString());
            }
        }

        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            bytes[i] = (byte)text[i];
        }

        return bytes;
    }

    private static bool SameCharset(string a, string b)
    {
        static ReadOnlySpan<char> Bare(string s)
        {
            var star = s.IndexOf('*', StringComparison.Ordinal);
            return star < 0 ? s : s.AsSpan(0, star);
        }

        return Bare(a).Equals(Bare(b), StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsAllWhitespace(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!HeaderLexer.IsWhitespace(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHex(byte b) => HexValue(b) >= 0;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
