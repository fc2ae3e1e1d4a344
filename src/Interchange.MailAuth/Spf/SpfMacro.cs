using System.Globalization;
using System.Text;

namespace Interchange.MailAuth.Spf;

/// <summary>The macro language of RFC 7208 section 7: syntax checks and expansion. Pure except for
/// <c>%{p}</c>, whose value the caller supplies lazily (it costs DNS queries).</summary>
internal static class SpfMacro
{
    private const string Delimiters = ".-+,/_=";

    /// <summary>Whether <paramref name="text"/> is a macro-string (7.1), or an explain-string when
    /// <paramref name="explanation"/> (spaces and the c, r, t letters allowed, 7.2/7.3).</summary>
    public static bool IsValid(string text, bool explanation) => Scan(text, explanation);

    /// <summary>Whether the macro-string ends with a macro-expand (7.1 domain-end's second form); <paramref name="text"/> must be valid.</summary>
    public static bool EndsWithExpand(string text, out int literalTailStart)
    {
        // The tail after the last expand is literal text; an expand is "%{...}", "%%", "%_" or "%-".
        literalTailStart = 0;
        var lastEnd = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                continue;
            }

            if (text[i + 1] == '{')
            {
                i = text.IndexOf('}', i);
            }
            else
            {
                i++;
            }

            lastEnd = i;
        }

        literalTailStart = lastEnd + 1;
        return lastEnd == text.Length - 1;
    }

    /// <summary>Expands a valid macro-string or explain-string.</summary>
    public static async ValueTask<string> ExpandAsync(string text, SpfMacroValues values, string domain, bool explanation, Func<ValueTask<string>> validatedName)
    {
        var output = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                output.Append(c);
                continue;
            }

            var next = text[++i];
            switch (next)
            {
                case '%':
                    output.Append('%');
                    continue;
                case '_':
                    output.Append(' ');
                    continue;
                case '-':
                    output.Append("%20");
                    continue;
            }

            // "%{" letter digits ["r"] delimiters "}", checked by IsValid before.
            var close = text.IndexOf('}', i);
            var letter = text[i + 1];
            var body = text[(i + 2)..close];
            i = close;

            var value = char.ToLowerInvariant(letter) switch
            {
                's' => values.Sender,
                'l' => values.LocalPart,
                'o' => values.SenderDomain,
                'd' => domain,
                'i' => values.IpDotted,
                'p' => await validatedName().ConfigureAwait(false),
                'v' => values.IsIPv6 ? "ip6" : "in-addr",
                'h' => values.Helo,
                'c' when explanation => values.IpReadable,
                'r' when explanation => values.Receiver,
                't' when explanation => values.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                _ => throw new InvalidOperationException($"macro letter {letter} passed the syntax check"),
            };

            value = Transform(value, body);
            if (char.IsUpper(letter))
            {
                // 7.3: upper-case letters expand as lower-case ones, then URL-escape what is not unreserved (RFC 3986 2.3).
                value = Uri.EscapeDataString(value);
            }

            output.Append(value);
        }

        return output.ToString();
    }

    /// <summary>7.3: split at the delimiters (default "."), optionally reverse, keep the right-most N parts, join with ".".</summary>
    private static string Transform(string value, ReadOnlySpan<char> body)
    {
        if (body.IsEmpty)
        {
            return value;
        }

        var digits = 0;
        while (digits < body.Length && char.IsAsciiDigit(body[digits]))
        {
            digits++;
        }

        // IsValid rejected 0; a count beyond the parts keeps them all, so cap the parse rather than overflow.
        var keep = digits == 0 ? int.MaxValue : (digits > 9 ? int.MaxValue : int.Parse(body[..digits], CultureInfo.InvariantCulture));
        var rest = body[digits..];
        var reverse = !rest.IsEmpty && (rest[0] == 'r' || rest[0] == 'R');
        var delimiters = reverse ? rest[1..] : rest;
        var parts = value.Split(delimiters.IsEmpty ? ['.'] : delimiters.ToArray());
        if (reverse)
        {
            Array.Reverse(parts);
        }

        var skip = keep >= parts.Length ? 0 : parts.Length - keep;
        return string.Join('.', parts, skip, parts.Length - skip);
    }

    private static bool Scan(string text, bool explanation)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ' ')
            {
                // explain-string = *( macro-string / SP ); a domain-spec has no spaces.
                if (!explanation)
                {
                    return false;
                }

                continue;
            }

            if (c is < (char)0x21 or > (char)0x7E)
            {
                return false;
            }

            if (c != '%')
            {
                continue;
            }

            if (i + 1 >= text.Length)
            {
                return false;
            }

            var next = text[++i];
            if (next is '%' or '_' or '-')
            {
                continue;
            }

            // 7.1: "A '%' character not followed by a '{', '%', '-', or '_' character is a syntax error."
            if (next != '{' || i + 1 >= text.Length)
            {
                return false;
            }

            var letter = char.ToLowerInvariant(text[++i]);
            var allowed = "slodipvh".Contains(letter, StringComparison.Ordinal) || (explanation && "crt".Contains(letter, StringComparison.Ordinal));
            if (!allowed)
            {
                return false;
            }

            // transformers = *DIGIT [ "r" ]; 7.1: a DIGIT transformer MUST be nonzero.
            var start = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i > start && text.AsSpan(start, i - start).TrimStart('0').IsEmpty)
            {
                return false;
            }

            if (i < text.Length && (text[i] == 'r' || text[i] == 'R'))
            {
                i++;
            }

            while (i < text.Length && Delimiters.Contains(text[i], StringComparison.Ordinal))
            {
                i++;
            }

            if (i >= text.Length || text[i] != '}')
            {
                return false;
            }
        }

        return true;
    }
}
