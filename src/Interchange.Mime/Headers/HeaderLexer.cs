using System.Text;

namespace Interchange.Mime.Headers;

/// <summary>RFC 5322 §3.2 lexical pieces shared by the structured header parsers; every method tolerates unterminated input.</summary>
internal static class HeaderLexer
{
    public static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    public static void SkipWhitespace(string s, ref int i)
    {
        while (i < s.Length && IsWhitespace(s[i]))
        {
            i++;
        }
    }

    /// <summary>Skips whitespace and (nested) comments, returning the text of the last comment seen.</summary>
    public static string? SkipCfws(string s, ref int i)
    {
        string? comment = null;
        while (i < s.Length)
        {
            if (IsWhitespace(s[i]))
            {
                i++;
            }
            else if (s[i] == '(')
            {
                comment = ReadComment(s, ref i);
            }
            else
            {
                break;
            }
        }

        return comment;
    }

    /// <summary>Reads a comment starting at '(' (RFC 5322 §3.2.2): nested, with quoted pairs; an unclosed one runs to the end.</summary>
    public static string ReadComment(string s, ref int i)
    {
        var text = new StringBuilder();
        var depth = 0;
        while (i < s.Length)
        {
            var c = s[i++];
            if (c == '\\' && i < s.Length)
            {
                text.Append(s[i++]);
                continue;
            }

            if (c == '(')
            {
                if (depth++ > 0)
                {
                    text.Append(c);
                }

                continue;
            }

            if (c == ')')
            {
                if (--depth == 0)
                {
                    break;
                }

                text.Append(c);
                continue;
            }

            text.Append(c);
        }

        return text.ToString().Trim();
    }

    /// <summary>Reads a quoted string starting at '"' and returns its content unescaped; an unclosed one runs to the end.</summary>
    public static string ReadQuoted(string s, ref int i)
    {
        var text = new StringBuilder();
        i++; // the opening quote
        while (i < s.Length)
        {
            var c = s[i++];
            if (c == '\\' && i < s.Length)
            {
                text.Append(s[i++]);
            }
            else if (c == '"')
            {
                break;
            }
            else if (c is not ('\r' or '\n'))
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary>An RFC 2045 token character: printable ASCII except tspecials (8-bit accepted, leniently).</summary>
    public static bool IsTokenChar(char c) =>
        c > ' ' && c != 127 && "()<>@,;:\\\"/[]?=".IndexOf(c, StringComparison.Ordinal) < 0;

    public static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && IsTokenChar(s[i]))
        {
            i++;
        }

        return s[start..i];
    }
}
