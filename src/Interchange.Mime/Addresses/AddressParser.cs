using System.Text;
using Interchange.Mime.Headers;

namespace Interchange.Mime.Addresses;

/// <summary>
/// RFC 5322 §3.4 address lists, read the way real mail needs: display names as quoted
/// strings, atoms or encoded words; angle addresses with obsolete routes; groups; bare
/// addresses with the name in a comment; and garbage, which yields whatever mailboxes can be
/// recognised. Never throws.
/// </summary>
public static class AddressParser
{
    private enum Kind
    {
        Atom,
        Quoted,
        Comment,
        DomainLiteral,
        Special,
    }

    private readonly record struct Token(Kind Kind, string Text, bool SpaceBefore)
    {
        public bool IsSpecial(char c) => Kind == Kind.Special && Text[0] == c;

        public bool IsWord => Kind is Kind.Atom or Kind.Quoted;
    }

    /// <summary>Parses an address-list (From, To, Cc, Reply-To...); the text may still be folded.</summary>
    public static IReadOnlyList<Address> ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var tokens = Tokenize(text);
        var result = new List<Address>();
        var pos = 0;
        while (pos < tokens.Count)
        {
            if (tokens[pos].IsSpecial(',') || tokens[pos].IsSpecial(';'))
            {
                pos++;
                continue;
            }

            var end = SegmentEnd(tokens, pos, out var groupColon);
            if (groupColon >= 0)
            {
                pos = ParseGroup(tokens, pos, groupColon, result);
                continue;
            }

            if (ParseMailbox(tokens, pos, end) is { } mailbox)
            {
                result.Add(mailbox);
            }

            pos = Math.Max(end, pos + 1);
        }

        return result;
    }

    /// <summary>The first mailbox of <paramref name="text"/> (a group's first member if need be), or null.</summary>
    public static MailboxAddress? ParseMailbox(string? text)
    {
        foreach (var address in ParseList(text))
        {
            switch (address)
            {
                case MailboxAddress mailbox:
                    return mailbox;
                case GroupAddress { Members.Count: > 0 } group:
                    return group.Members[0];
            }
        }

        return null;
    }

    private static int ParseGroup(List<Token> tokens, int start, int colon, List<Address> result)
    {
        var raw = RenderPhrase(tokens, start, colon);
        var members = new List<MailboxAddress>();
        var pos = colon + 1;
        while (pos < tokens.Count)
        {
            if (tokens[pos].IsSpecial(';'))
            {
                pos++;
                break;
            }

            if (tokens[pos].IsSpecial(','))
            {
                pos++;
                continue;
            }

            var end = MemberEnd(tokens, pos);
            if (ParseMailbox(tokens, pos, end) is { } member)
            {
                members.Add(member);
            }

            pos = Math.Max(end, pos + 1);
        }

        result.Add(new GroupAddress(HeaderText.DecodeEncodedWords(raw), raw, members));
        return pos;
    }

    // An address ends at ',' or ';' outside angle brackets. A ':' that follows nothing but a
    // phrase opens a group.
    private static int SegmentEnd(List<Token> tokens, int start, out int groupColon)
    {
        groupColon = -1;
        var angle = 0;
        var phraseOnly = true;
        for (var j = start; j < tokens.Count; j++)
        {
            var t = tokens[j];
            if (t.IsSpecial('<'))
            {
                angle++;
                phraseOnly = false;
            }
            else if (t.IsSpecial('>'))
            {
                angle = Math.Max(0, angle - 1);
                phraseOnly = false;
            }
            else if (angle == 0 && (t.IsSpecial(',') || t.IsSpecial(';')))
            {
                return j;
            }
            else if (angle == 0 && t.IsSpecial(':') && phraseOnly)
            {
                groupColon = j;
                return j;
            }
            else if (!(t.IsWord || t.Kind == Kind.Comment))
            {
                phraseOnly = false;
            }
        }

        return tokens.Count;
    }

    private static int MemberEnd(List<Token> tokens, int start)
    {
        var angle = 0;
        for (var j = start; j < tokens.Count; j++)
        {
            var t = tokens[j];
            if (t.IsSpecial('<'))
            {
                angle++;
            }
            else if (t.IsSpecial('>'))
            {
                angle = Math.Max(0, angle - 1);
            }
            else if (angle == 0 && (t.IsSpecial(',') || t.IsSpecial(';')))
            {
                return j;
            }
        }

        return tokens.Count;
    }

    private static MailboxAddress? ParseMailbox(List<Token> tokens, int start, int end)
    {
        var open = IndexOf(tokens, start, end, '<');
        if (open >= 0)
        {
            // "<<a@b>>": the angle that holds the address is the last one before the first '>'.
            var close = IndexOf(tokens, open, end, '>');
            var inner = close < 0 ? open : LastIndexOf(tokens, open, close, '<');
            return ParseNameAddr(tokens, start, inner, end);
        }

        var at = LastIndexOf(tokens, start, end, '@');
        if (at >= 0)
        {
            return ParseAddrSpec(tokens, start, at, end);
        }

        // No '@' and no '<': a bare word list such as "undisclosed-recipients" or a name.
        var text = RenderPhrase(tokens, start, end);
        return text.Length == 0 ? null : new MailboxAddress(null, null, text, null, null);
    }

    private static MailboxAddress? ParseNameAddr(List<Token> tokens, int start, int open, int end)
    {
        var close = IndexOf(tokens, open + 1, end, '>');
        var innerEnd = close < 0 ? end : close;
        var raw = RenderPhrase(tokens, start, open);
        if (raw.Length == 0)
        {
            // "<a@b> (Name)": a comment after the address is the only name there is.
            raw = LastComment(tokens, close < 0 ? end : close + 1, end) ?? LastComment(tokens, start, open) ?? string.Empty;
        }

        // Obsolete route: "<@a.example,@b.example:user@host>".
        string? route = null;
        var specStart = open + 1;
        var colon = IndexOf(tokens, specStart, innerEnd, ':');
        if (colon >= 0 && FirstNonComment(tokens, specStart, colon) is { } first && tokens[first].IsSpecial('@'))
        {
            route = RenderCompact(tokens, specStart, colon);
            specStart = colon + 1;
        }

        var at = LastIndexOf(tokens, specStart, innerEnd, '@');
        var local = RenderCompact(tokens, specStart, at < 0 ? innerEnd : at);
        var domain = at < 0 ? null : RenderCompact(tokens, at + 1, innerEnd);
        if (local.Length == 0 && string.IsNullOrEmpty(domain))
        {
            return null; // "<>" or "Name <>": no mailbox at all
        }

        return new MailboxAddress(HeaderText.DecodeEncodedWords(raw), raw, local, domain, route);
    }

    private static MailboxAddress? ParseAddrSpec(List<Token> tokens, int start, int at, int end)
    {
        // The local part is the run of words glued to the '@' (obs-local-part may have dots and
        // spaces around them); words before a gap are a display name someone forgot to bracket.
        var localStart = at;
        while (localStart > start)
        {
            var t = tokens[localStart - 1];
            if (t.Kind == Kind.Comment)
            {
                break;
            }

            localStart--;
            if (t.SpaceBefore && !(t.Text.StartsWith('.') || (localStart > start && tokens[localStart - 1].Text.EndsWith('.'))))
            {
                break;
            }
        }

        var raw = RenderPhrase(tokens, start, localStart);
        if (raw.Length == 0)
        {
            raw = LastComment(tokens, at + 1, end) ?? LastComment(tokens, start, at) ?? string.Empty;
        }

        var local = RenderCompact(tokens, localStart, at);
        var domain = RenderCompact(tokens, at + 1, end);
        if (local.Length == 0 && domain.Length == 0)
        {
            return null;
        }

        return new MailboxAddress(HeaderText.DecodeEncodedWords(raw), raw, local, domain, null);
    }

    // Words joined by one space where the source had whitespace: display names and group names.
    private static string RenderPhrase(List<Token> tokens, int start, int end)
    {
        var text = new StringBuilder();
        for (var j = start; j < end; j++)
        {
            var t = tokens[j];
            if (t.Kind == Kind.Comment || t.IsSpecial('<') || t.IsSpecial('>'))
            {
                continue;
            }

            if (text.Length > 0 && t.SpaceBefore)
            {
                text.Append(' ');
            }

            text.Append(t.Text);
        }

        return text.ToString().Trim();
    }

    // Words joined without whitespace (CFWS inside local parts and domains is not content).
    private static string RenderCompact(List<Token> tokens, int start, int end)
    {
        var text = new StringBuilder();
        for (var j = start; j < end; j++)
        {
            if (tokens[j].Kind != Kind.Comment)
            {
                text.Append(tokens[j].Text);
            }
        }

        return text.ToString();
    }

    private static string? LastComment(List<Token> tokens, int start, int end)
    {
        for (var j = Math.Min(end, tokens.Count) - 1; j >= start; j--)
        {
            if (tokens[j].Kind == Kind.Comment && tokens[j].Text.Length > 0)
            {
                return tokens[j].Text;
            }
        }

        return null;
    }

    private static int? FirstNonComment(List<Token> tokens, int start, int end)
    {
        for (var j = start; j < end; j++)
        {
            if (tokens[j].Kind != Kind.Comment)
            {
                return j;
            }
        }

        return null;
    }

    private static int IndexOf(List<Token> tokens, int start, int end, char special)
    {
        for (var j = start; j < end; j++)
        {
            if (tokens[j].IsSpecial(special))
            {
                return j;
            }
        }

        return -1;
    }

    private static int LastIndexOf(List<Token> tokens, int start, int end, char special)
    {
        for (var j = end - 1; j >= start; j--)
        {
            if (tokens[j].IsSpecial(special))
            {
                return j;
            }
        }

        return -1;
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        var space = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (HeaderLexer.IsWhitespace(c))
            {
                space = true;
                i++;
                continue;
            }

            switch (c)
            {
                case '"':
                    tokens.Add(new Token(Kind.Quoted, HeaderLexer.ReadQuoted(text, ref i), space));
                    break;
                case '(':
                    tokens.Add(new Token(Kind.Comment, HeaderLexer.ReadComment(text, ref i), space));
                    break;
                case '[':
                {
                    var close = text.IndexOf(']', i);
                    var stop = close < 0 ? text.Length : close + 1;
                    tokens.Add(new Token(Kind.DomainLiteral, text[i..stop], space));
                    i = stop;
                    break;
                }

                case '<' or '>' or '@' or ',' or ';' or ':' or ')' or ']' or '\\':
                    tokens.Add(new Token(Kind.Special, c.ToString(), space));
                    i++;
                    break;
                default:
                {
                    var start = i;
                    while (i < text.Length && !HeaderLexer.IsWhitespace(text[i]) && "\"()<>@,;:[]\\".IndexOf(text[i], StringComparison.Ordinal) < 0)
                    {
                        i++;
                    }

                    tokens.Add(new Token(Kind.Atom, text[start..i], space));
                    break;
                }
            }

            space = false;
        }

        return tokens;
    }
}
