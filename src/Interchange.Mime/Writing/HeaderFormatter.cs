using System.Text;

namespace Interchange.Mime.Writing;

/// <summary>Unstructured text (RFC 5322 §3.2.5 with RFC 2047 words) and MIME parameters (RFC 2045, RFC 2231) for the writer.</summary>
internal static class HeaderFormatter
{
    private const string TokenSpecials = "()<>@,;:\\\"/[]?=";

    // Parameters longer than this are split into RFC 2231 sections so that lines stay short.
    private const int MaxParameterChunk = 60;

    public static void AddUnstructured(HeaderFolder folder, string text, bool utf8)
    {
        var pieces = SplitWords(text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\r', ' ').Replace('\n', ' ').Trim());
        var i = 0;
        while (i < pieces.Count)
        {
            var whitespace = i == 0 ? " " : pieces[i].Whitespace;
            if (!NeedsEncoding(pieces[i].Word, utf8))
            {
                folder.Add(pieces[i].Word, whitespace);
                i++;
                continue;
            }

            // Consecutive words that need encoding become one run: the whitespace inside it is
            // encoded too, because readers drop whitespace between encoded words.
            var run = new StringBuilder(pieces[i].Word);
            var j = i + 1;
            while (j < pieces.Count && NeedsEncoding(pieces[j].Word, utf8))
            {
                run.Append(pieces[j].Whitespace).Append(pieces[j].Word);
                j++;
            }

            var words = EncodedWordEncoder.Encode(run.ToString());
            folder.Add(words[0], whitespace);
            foreach (var word in words.Skip(1))
            {
                folder.Add(word);
            }

            i = j;
        }
    }

    public static void AddParameters(HeaderFolder folder, IEnumerable<KeyValuePair<string, string>> parameters, bool utf8)
    {
        foreach (var (name, value) in parameters)
        {
            if (!IsToken(name))
            {
                throw new ArgumentException($"'{name}' is not a parameter name (RFC 2045 token).", nameof(parameters));
            }

            // Line breaks and other controls only ever go out percent-encoded (RFC 2231), so a
            // value can never end the field early.
            var control = value.Any(c => char.IsControl(c) && c != '\t');
            var ascii = !control && value.All(c => c is >= ' ' and < (char)127 or '\t');
            if (IsToken(value))
            {
                AddParameter(folder, $"{name}={value}");
            }
            else if ((ascii || (utf8 && !control)) && value.Length <= MaxParameterChunk)
            {
                AddParameter(folder, $"{name}={Quote(value)}");
            }
            else if (ascii || (utf8 && !control))
            {
                // RFC 2231 §3 continuations of a quoted value.
                var section = 0;
                for (var offset = 0; offset < value.Length; section++)
                {
                    var length = Math.Min(MaxParameterChunk, value.Length - offset);
                    if (offset + length < value.Length && char.IsHighSurrogate(value[offset + length - 1]))
                    {
                        length--; // never split a surrogate pair between sections
                    }

                    AddParameter(folder, $"{name}*{section}={Quote(value.Substring(offset, length))}");
                    offset += length;
                }
            }
            else
            {
                AddExtendedParameter(folder, name, value);
            }
        }
    }

    private static void AddExtendedParameter(HeaderFolder folder, string name, string value)
    {
        // RFC 2231 §4: charset'language'percent-encoded, split between characters.
        var chunks = new List<string>();
        var current = new StringBuilder("utf-8''");
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            var encoded = new StringBuilder();
            var n = rune.EncodeToUtf8(bytes);
            foreach (var b in bytes[..n])
            {
                if (IsAttributeChar(b))
                {
                    encoded.Append((char)b);
                }
                else
                {
                    encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            if (current.Length + encoded.Length > MaxParameterChunk && current.Length > 0)
            {
                chunks.Add(current.ToString());
                current.Clear();
            }

            current.Append(encoded);
        }

        chunks.Add(current.ToString());
        if (chunks.Count == 1)
        {
            AddParameter(folder, $"{name}*={chunks[0]}");
            return;
        }

        for (var i = 0; i < chunks.Count; i++)
        {
            AddParameter(folder, $"{name}*{i}*={chunks[i]}");
        }
    }

    private static void AddParameter(HeaderFolder folder, string text)
    {
        folder.Add(";", string.Empty);
        folder.Add(text);
    }

    public static bool IsToken(string value) =>
        value.Length > 0 && value.All(c => c > ' ' && c < 127 && TokenSpecials.IndexOf(c, StringComparison.Ordinal) < 0);

    public static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    // RFC 2231 attribute-char: a token character except '*', '\'' and '%'.
    private static bool IsAttributeChar(byte b) =>
        b > ' ' && b < 127 && TokenSpecials.IndexOf((char)b, StringComparison.Ordinal) < 0 && b is not ((byte)'*' or (byte)'\'' or (byte)'%');

    private static bool NeedsEncoding(string word, bool utf8) =>
        word.Contains("=?", StringComparison.Ordinal) || word.Any(c => (c > 126 && !utf8) || c == 127 || (c < ' ' && c != '\t'));

    private static List<(string Whitespace, string Word)> SplitWords(string text)
    {
        var pieces = new List<(string, string)>();
        var i = 0;
        while (i < text.Length)
        {
            var wsStart = i;
            while (i < text.Length && text[i] is ' ' or '\t')
            {
                i++;
            }

            var wordStart = i;
            while (i < text.Length && text[i] is not (' ' or '\t'))
            {
                i++;
            }

            if (i > wordStart)
            {
                pieces.Add((text[wsStart..wordStart], text[wordStart..i]));
            }
        }

        return pieces;
    }
}
