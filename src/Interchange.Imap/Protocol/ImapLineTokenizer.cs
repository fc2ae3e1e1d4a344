using System.Globalization;
using System.Text;

namespace Interchange.Imap.Protocol;

/// <summary>
/// Lexes one line of a command (CRLF removed): the tag and name on the first line, then
/// arguments into <see cref="ImapCommandBuilder"/>. Lines end at the end of the command or
/// at a literal announcement, after which the next line continues the same command.
/// </summary>
internal static class ImapLineTokenizer
{
    private static readonly System.Buffers.SearchValues<char> SequenceSetChars = System.Buffers.SearchValues.Create("0123456789:,*$");
    private static readonly string[] SectionAtts = ["BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE"];

    internal enum Outcome
    {
        EndOfLine,
        Literal,
        Error,
    }

    public static Outcome TokenizeLine(ReadOnlySpan<byte> line, ImapCommandBuilder builder, out LiteralAnnouncement literal, out ImapParseError? error)
    {
        literal = default;
        error = null;
        var i = 0;
        if (builder.Tag is null)
        {
            if (!TryParseTag(line, ref i, builder, out error) || !TryParseCommandName(line, ref i, builder, out error))
            {
                return Outcome.Error;
            }
        }

        while (i < line.Length)
        {
            var b = line[i];
            if (b == ' ')
            {
                builder.NeedSeparator = false;
                i++;
                continue;
            }

            if (builder.NeedSeparator && b != ')')
            {
                error = builder.Fail(ImapParseErrorKind.Syntax, "Expected a space between arguments");
                return Outcome.Error;
            }

            switch (b)
            {
                case (byte)'(':
                    if (!builder.OpenList(out error))
                    {
                        return Outcome.Error;
                    }

                    i++;
                    break;
                case (byte)')':
                    if (!builder.CloseList(out error))
                    {
                        return Outcome.Error;
                    }

                    i++;
                    break;
                case (byte)'"':
                    if (!TryParseQuoted(line, ref i, builder, out var text, out error) || !builder.Add(ImapValue.Quoted(text), out error))
                    {
                        return Outcome.Error;
                    }

                    break;
                case (byte)'{':
                case (byte)'~' when i + 1 < line.Length && line[i + 1] == '{':
                    return TryParseLiteralAnnouncement(line, i, builder, out literal, out error) ? Outcome.Literal : Outcome.Error;
                default:
                    if (!TryParseBareToken(line, ref i, builder, out error))
                    {
                        return Outcome.Error;
                    }

                    break;
            }
        }

        return Outcome.EndOfLine;
    }

    // tag = 1*<any ASTRING-CHAR except "+">
    private static bool TryParseTag(ReadOnlySpan<byte> line, ref int i, ImapCommandBuilder builder, out ImapParseError? error)
    {
        var start = i;
        while (i < line.Length && IsAstringChar(line[i]) && line[i] != '+')
        {
            i++;
        }

        if (i == start || (i < line.Length && line[i] != ' '))
        {
            error = builder.Fail(ImapParseErrorKind.Syntax, i == start ? "Missing tag" : "Invalid character in tag");
            return false;
        }

        builder.Tag = Encoding.ASCII.GetString(line[start..i]);
        error = null;
        return true;
    }

    private static bool TryParseCommandName(ReadOnlySpan<byte> line, ref int i, ImapCommandBuilder builder, out ImapParseError? error)
    {
        if (!TryParseAtom(line, ref i, out var name))
        {
            error = builder.Fail(ImapParseErrorKind.Syntax, "Missing command");
            return false;
        }

        if (name.Equals("UID", StringComparison.OrdinalIgnoreCase))
        {
            // The UID prefix of FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE...; the command layer decides which.
            if (!TryParseAtom(line, ref i, out name))
            {
                error = builder.Fail(ImapParseErrorKind.Syntax, "Missing command after UID");
                return false;
            }

            builder.IsUid = true;
        }

        builder.Name = name.ToUpperInvariant();
        if (i < line.Length && line[i] != ' ')
        {
            error = builder.Fail(ImapParseErrorKind.Syntax, "Invalid character in command name");
            return false;
        }

        error = null;
        return true;
    }

    // SP then 1*ATOM-CHAR
    private static bool TryParseAtom(ReadOnlySpan<byte> line, ref int i, out string atom)
    {
        atom = string.Empty;
        if (i >= line.Length || line[i] != ' ')
        {
            return false;
        }

        var start = ++i;
        while (i < line.Length && IsAtomChar(line[i]))
        {
            i++;
        }

        if (i == start)
        {
            return false;
        }

        atom = Encoding.ASCII.GetString(line[start..i]);
        return true;
    }

    // quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2..4 (RFC 9051)
    private static bool TryParseQuoted(ReadOnlySpan<byte> line, ref int i, ImapCommandBuilder builder, out string text, out ImapParseError? error)
    {
        text = string.Empty;
        i++;
        var start = i;
        var escaped = false;
        var eightBit = false;
        while (true)
        {
            if (i >= line.Length)
            {
                error = builder.Fail(ImapParseErrorKind.Syntax, "Unterminated quoted string");
                return false;
            }

            var b = line[i];
            if (b == '"')
            {
                break;
            }

            if (b == 0)
            {
                error = builder.Fail(ImapParseErrorKind.InvalidCharacter, "NUL in quoted string");
                return false;
            }

            if (b == '\\')
            {
                if (i + 1 >= line.Length || line[i + 1] is not ((byte)'"' or (byte)'\\'))
                {
                    error = builder.Fail(ImapParseErrorKind.Syntax, "Invalid escape in quoted string");
                    return false;
                }

                escaped = true;
                i += 2;
                continue;
            }

            eightBit |= b >= 0x80;
            i++;
        }

        var raw = line[start..i];
        i++;
        if (i < line.Length && line[i] is not ((byte)' ' or (byte)')'))
        {
            error = builder.Fail(ImapParseErrorKind.Syntax, "Expected a space after quoted string");
            return false;
        }

        byte[]? unescaped = null;
        if (escaped)
        {
            unescaped = new byte[raw.Length];
            var n = 0;
            for (var k = 0; k < raw.Length; k++)
            {
                if (raw[k] == '\\')
                {
                    k++;
                }

                unescaped[n++] = raw[k];
            }

            raw = unescaped.AsSpan(0, n);
        }

        if (eightBit && !System.Text.Unicode.Utf8.IsValid(raw))
        {
            error = builder.Fail(ImapParseErrorKind.InvalidCharacter, "Quoted string is not UTF-8");
            return false;
        }

        text = Encoding.UTF8.GetString(raw);
        error = null;
        return true;
    }

    // literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{" number64 ["+"] "}" CRLF (RFC 3516, RFC 7888)
    private static bool TryParseLiteralAnnouncement(ReadOnlySpan<byte> line, int i, ImapCommandBuilder builder, out LiteralAnnouncement literal, out ImapParseError? error)
    {
        literal = default;
        var literal8 = line[i] == '~';
        i += literal8 ? 2 : 1;
        var start = i;
        ulong length = 0;
        var overflow = false;
        while (i < line.Length && char.IsAsciiDigit((char)line[i]))
        {
            var digit = (ulong)(line[i] - '0');
            if (length > (long.MaxValue - digit) / 10)
            {
                overflow = true;
            }
            else
            {
                length = (length * 10) + digit;
            }

            i++;
        }

        var digits = i - start;
        var nonSynchronizing = i < line.Length && line[i] == '+';
        if (nonSynchronizing)
        {
            i++;
        }

        if (digits == 0 || i >= line.Length || line[i] != '}' || i + 1 != line.Length)
        {
            error = builder.Fail(ImapParseErrorKind.Syntax, "Invalid literal: expected {size} at the end of the line");
            return false;
        }

        literal = new LiteralAnnouncement(overflow ? -1 : (long)length, nonSynchronizing, literal8);
        error = null;
        return true;
    }

    private static bool TryParseBareToken(ReadOnlySpan<byte> line, ref int i, ImapCommandBuilder builder, out ImapParseError? error)
    {
        var start = i;
        while (i < line.Length)
        {
            var b = line[i];
            if (b == '[' && TakesSection(line[start..i]))
            {
                // A fetch att's section, BODY[HEADER.FIELDS (From To)]: spaces and parentheses
                // inside belong to the token; the command layer parses it. Anywhere else '[' is
                // an ordinary ASTRING-CHAR (only ']' is a resp-special), as in a mailbox name.
                var close = line[i..].IndexOf((byte)']');
                if (close < 0)
                {
                    error = builder.Fail(ImapParseErrorKind.Syntax, "Unterminated [");
                    return false;
                }

                var section = line.Slice(i + 1, close - 1);
                if (section.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0)
                {
                    error = builder.Fail(ImapParseErrorKind.InvalidCharacter, "Invalid character in section");
                    return false;
                }

                i += close + 1;
                continue;
            }

            if (b is (byte)' ' or (byte)')')
            {
                break;
            }

            if (!IsTokenChar(b))
            {
                error = builder.Fail(
                    b >= 0x80 || b < 0x20 || b == 0x7F ? ImapParseErrorKind.InvalidCharacter : ImapParseErrorKind.Syntax,
                    b >= 0x80 ? "8-bit character in atom" : "Invalid character in atom");
                return false;
            }

            i++;
        }

        var value = Classify(Encoding.ASCII.GetString(line[start..i]), builder, out error);
        return error is null && builder.Add(value, out error);
    }

    // The fetch atts that take a section (RFC 3501 9, RFC 3516 BINARY): BODY[, BODY.PEEK[, BINARY[, BINARY.PEEK[, BINARY.SIZE[.
    private static bool TakesSection(ReadOnlySpan<byte> name)
    {
        foreach (var att in SectionAtts)
        {
            if (Ascii.EqualsIgnoreCase(name, att))
            {
                return true;
            }
        }

        return false;
    }

    private static ImapValue Classify(string text, ImapCommandBuilder builder, out ImapParseError? error)
    {
        error = null;
        if (text.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0)
        {
            return text.Length <= 20 && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? ImapValue.FromNumber(text, number)
                : ImapValue.Atom(text);
        }

        if (text.Equals("NIL", StringComparison.OrdinalIgnoreCase))
        {
            return ImapValue.Nil(text);
        }

        if (text.AsSpan().IndexOfAnyExcept(SequenceSetChars) < 0)
        {
            if (SequenceSet.TryParseSequenceSet(text, builder.Options.MaxSequenceRanges, out var set, out var setError))
            {
                return ImapValue.FromSequenceSet(text, set);
            }

            if (setError == SequenceSetError.TooManyRanges)
            {
                error = builder.Fail(ImapParseErrorKind.TooManySequenceRanges, "Too many ranges in sequence set");
            }
        }

        // Not a valid set: the command layer refuses it where a set is needed ("1:0" can be a mailbox name).
        return ImapValue.Atom(text);
    }

    // ATOM-CHAR = <any CHAR except atom-specials>; atom-specials = "(" / ")" / "{" / SP / CTL / "%" / "*" / DQUOTE / "\" / "]"
    internal static bool IsAtomChar(byte b) =>
        b is > 0x20 and < 0x7F and not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    internal static bool IsAstringChar(byte b) => IsAtomChar(b) || b == ']';

    // Bare argument tokens are wider than atoms: flags (\Seen), list patterns (% *), sequence sets (*), "]".
    private static bool IsTokenChar(byte b) => b is > 0x20 and < 0x7F and not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'"');
}
