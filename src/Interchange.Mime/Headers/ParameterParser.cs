using System.Globalization;
using Interchange.Mime.Encodings;

namespace Interchange.Mime.Headers;

/// <summary>
/// Parameter lists of Content-Type and Content-Disposition (RFC 2045 §5.1) with RFC 2231
/// continuations, charsets and languages. Works on a "byte string" (one char per header byte,
/// Latin-1) so that values keep their wire bytes until they are decoded.
/// </summary>
internal static class ParameterParser
{
    // A name*N continuation index beyond this is garbage; refusing it bounds the work.
    private const int MaxSection = 999;

    private sealed record RawParameter(string BaseName, int Section, bool Extended, string Value);

    public static ParameterList Parse(string bytes, ref int i)
    {
        var raw = new List<RawParameter>();
        while (i < bytes.Length)
        {
            HeaderLexer.SkipCfws(bytes, ref i);
            if (i >= bytes.Length)
            {
                break;
            }

            if (bytes[i] == ';')
            {
                i++;
                continue;
            }

            var nameStart = i;
            while (i < bytes.Length && bytes[i] is not ('=' or ';' or '"') && !HeaderLexer.IsWhitespace(bytes[i]))
            {
                i++;
            }

            var name = bytes[nameStart..i];
            HeaderLexer.SkipCfws(bytes, ref i);
            if (name.Length == 0 || i >= bytes.Length || bytes[i] != '=')
            {
                SkipToSemicolon(bytes, ref i, nameStart);
                continue;
            }

            i++;
            HeaderLexer.SkipCfws(bytes, ref i);
            var value = ReadValue(bytes, ref i);
            raw.Add(Classify(name, value));
            var afterValue = i;
            HeaderLexer.SkipCfws(bytes, ref i);
            if (!StartsParameter(bytes, i))
            {
                SkipToSemicolon(bytes, ref i, afterValue);
            }

            // else: "charset=\"utf-8\" format=flowed", a ';' left out: the next parameter.
        }

        return new ParameterList(Assemble(raw));
    }

    private static string ReadValue(string bytes, ref int i)
    {
        if (i < bytes.Length && bytes[i] == '"')
        {
            return HeaderLexer.ReadQuoted(bytes, ref i);
        }

        // Unquoted: RFC 2045 wants a token, but senders write "name=My File.pdf"; take
        // everything up to ';', a comment, or whitespace before "name=" (a ';' left out), trimmed.
        var start = i;
        while (i < bytes.Length && bytes[i] is not (';' or '('))
        {
            // Checked at the start of a whitespace run only, so the scan stays linear.
            if (i > start && HeaderLexer.IsWhitespace(bytes[i]) && !HeaderLexer.IsWhitespace(bytes[i - 1]) && StartsParameter(bytes, i))
            {
                break;
            }

            i++;
        }

        return bytes[start..i].Trim(' ', '\t', '\r', '\n');
    }

    // Whitespace, then a token and "=": the start of a parameter whose ';' was left out.
    private static bool StartsParameter(string bytes, int i)
    {
        HeaderLexer.SkipWhitespace(bytes, ref i);
        var nameStart = i;
        while (i < bytes.Length && HeaderLexer.IsTokenChar(bytes[i]))
        {
            i++;
        }

        if (i == nameStart)
        {
            return false;
        }

        HeaderLexer.SkipWhitespace(bytes, ref i);
        return i < bytes.Length && bytes[i] == '=';
    }

    private static void SkipToSemicolon(string bytes, ref int i, int from)
    {
        i = Math.Max(i, from);
        while (i < bytes.Length && bytes[i] != ';')
        {
            if (bytes[i] == '"')
            {
                HeaderLexer.ReadQuoted(bytes, ref i);
            }
            else if (bytes[i] == '(')
            {
                HeaderLexer.ReadComment(bytes, ref i);
            }
            else
            {
                i++;
            }
        }
    }

    private static RawParameter Classify(string name, string value)
    {
        var extended = name.EndsWith('*');
        var bare = extended ? name[..^1] : name;
        var section = -1;
        var star = bare.LastIndexOf('*');
        if (star > 0 && int.TryParse(bare.AsSpan(star + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= MaxSection)
        {
            section = n;
            bare = bare[..star];
        }

        return new RawParameter(bare.ToLowerInvariant(), section, extended, value);
    }

    private static ContentParameter[] Assemble(List<RawParameter> raw)
    {
        var result = new List<ContentParameter>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in raw.GroupBy(p => p.BaseName))
        {
            var parts = group.ToList();
            var rfc2231 = parts.Where(p => p.Extended || p.Section >= 0).ToList();
            ContentParameter parameter;
            if (rfc2231.Count > 0)
            {
                // RFC 2231 wins over a plain duplicate (senders add both for old readers).
                parameter = AssembleRfc2231(group.Key, rfc2231);
            }
            else
            {
                var value = parts[0].Value;
                var bytes = Latin1Bytes(value);
                var text = MimeCharsets.DecodeUtf8OrLatin1(bytes);
                // Outlook and others put RFC 2047 words inside quoted values; decode them too.
                parameter = new ContentParameter(group.Key, HeaderText.DecodeEncodedWords(text)) { RawBytes = bytes };
            }

            if (seen.Add(parameter.Name))
            {
                result.Add(parameter);
            }
        }

        return [.. result];
    }

    private static ContentParameter AssembleRfc2231(string name, List<RawParameter> sections)
    {
        // Sections in index order; a lone name* is section 0. Duplicates keep the first.
        var ordered = sections
            .GroupBy(p => Math.Max(p.Section, 0))
            .OrderBy(g => g.Key)
            .Select(g => g.First())
            .ToList();

        string? charset = null;
        string? language = null;
        var bytes = new List<byte>();
        for (var k = 0; k < ordered.Count; k++)
        {
            var part = ordered[k];
            var value = part.Value;
            if (k == 0 && part.Extended)
            {
                var first = value.IndexOf('\'', StringComparison.Ordinal);
                var second = first < 0 ? -1 : value.IndexOf('\'', first + 1);
                if (second > first)
                {
                    charset = value[..first];
                    language = value[(first + 1)..second];
                    value = value[(second + 1)..];
                }
            }

            if (part.Extended)
            {
                PercentDecode(value, bytes);
            }
            else
            {
                bytes.AddRange(Latin1Bytes(value));
            }
        }

        var raw = bytes.ToArray();
        var decoded = MimeCharsets.Decode(raw, string.IsNullOrEmpty(charset) ? null : charset);
        return new ContentParameter(name, decoded, string.IsNullOrEmpty(charset) ? null : charset, string.IsNullOrEmpty(language) ? null : language)
        {
            RawBytes = raw,
        };
    }

    private static void PercentDecode(string value, List<byte> output)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                output.Add((byte)((Uri.FromHex(value[i + 1]) << 4) | Uri.FromHex(value[i + 2])));
                i += 2;
            }
            else
            {
                output.Add((byte)c);
            }
        }
    }

    internal static byte[] Latin1Bytes(string byteString)
    {
        var bytes = new byte[byteString.Length];
        for (var i = 0; i < byteString.Length; i++)
        {
            bytes[i] = (byte)byteString[i];
        }

        return bytes;
    }
}
