using System.Globalization;
using System.Text;
using Interchange.Imap.Protocol;
using Interchange.Mime.Imap;

namespace Interchange.Imap.Fetch;

/// <summary>
/// The arguments of FETCH after the sequence set: one item, a macro, or a parenthesised list of
/// items, then optionally a list of modifiers (RFC 7162 CHANGEDSINCE). The reader delivers
/// each item with its section and partial as one atom ("BODY.PEEK[HEADER.FIELDS (A B)]&lt;0.9&gt;"),
/// because it keeps a bracketed section whole; this class parses that text.
/// </summary>
public sealed class FetchRequest
{
    // Deeper part paths than any real message has; bounds the work a hostile path costs.
    private const int MaxPartDepth = 64;
    private const int MaxFieldNames = 1000;

    private FetchRequest(IReadOnlyList<FetchItem> items, ulong? changedSince)
    {
        Items = items;
        ChangedSince = changedSince;
    }

    /// <summary>The items in the client's order, macros expanded.</summary>
    public IReadOnlyList<FetchItem> Items { get; }

    /// <summary>CHANGEDSINCE (RFC 7162 §3.1.4): only messages whose mod-sequence is above it are returned, with MODSEQ.</summary>
    public ulong? ChangedSince { get; }

    /// <summary>True when some item sets \Seen: the caller sets it (unless read-only) before answering.</summary>
    public bool SetsSeen => Items.Any(i => i.SetsSeen);

    /// <summary>True when some item needs the parsed MIME structure.</summary>
    public bool NeedsStructure => Items.Any(i => i.NeedsStructure);

    /// <summary>True when some item needs the message bytes.</summary>
    public bool NeedsContent => Items.Any(i => i.Kind is FetchItemKind.Rfc822 or FetchItemKind.Rfc822Header or FetchItemKind.Rfc822Text
        or FetchItemKind.BodySection or FetchItemKind.Binary or FetchItemKind.BinarySize);

    /// <summary>True when the response carries MODSEQ: asked for, or implied by CHANGEDSINCE.</summary>
    public bool IncludesModSeq => ChangedSince is not null || Items.Any(i => i.Kind == FetchItemKind.ModSeq);

    /// <summary>Whether a message with this mod-sequence is answered (always, without CHANGEDSINCE).</summary>
    public bool Selects(ulong modSeq) => ChangedSince is not { } since || modSeq > since;

    /// <summary>Parses the arguments after the sequence set; false with a message for a BAD reply.</summary>
    public static bool TryParse(IReadOnlyList<ImapValue> arguments, out FetchRequest request, out string error)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        request = new FetchRequest([], null);
        if (arguments.Count is 0 or > 2)
        {
            error = arguments.Count == 0 ? "Missing fetch items" : "Unexpected arguments after fetch items";
            return false;
        }

        var items = new List<FetchItem>();
        var first = arguments[0];
        if (first.Kind == ImapValueKind.List)
        {
            if (first.Items.Count == 0)
            {
                error = "Empty fetch item list";
                return false;
            }

            foreach (var value in first.Items)
            {
                if (!TryParseItem(value, items, out error))
                {
                    return false;
                }
            }
        }
        else if (!TryParseMacro(first, items) && !TryParseItem(first, items, out error))
        {
            return false;
        }

        ulong? changedSince = null;
        if (arguments.Count == 2 && !TryParseModifiers(arguments[1], out changedSince, out error))
        {
            return false;
        }

        request = new FetchRequest(items, changedSince);
        error = string.Empty;
        return true;
    }

    // ALL, FAST and FULL stand alone; the grammar does not allow them inside a list.
    private static bool TryParseMacro(ImapValue value, List<FetchItem> items)
    {
        if (value.Kind != ImapValueKind.Atom)
        {
            return false;
        }

        FetchItemKind[]? kinds = value.Text.ToUpperInvariant() switch
        {
            "ALL" => [FetchItemKind.Flags, FetchItemKind.InternalDate, FetchItemKind.Rfc822Size, FetchItemKind.Envelope],
            "FAST" => [FetchItemKind.Flags, FetchItemKind.InternalDate, FetchItemKind.Rfc822Size],
            "FULL" => [FetchItemKind.Flags, FetchItemKind.InternalDate, FetchItemKind.Rfc822Size, FetchItemKind.Envelope, FetchItemKind.Body],
            _ => null,
        };
        if (kinds is null)
        {
            return false;
        }

        items.AddRange(kinds.Select(k => new FetchItem(k, SimpleName(k))));
        return true;
    }

    private static string SimpleName(FetchItemKind kind) => kind switch
    {
        FetchItemKind.Flags => "FLAGS",
        FetchItemKind.Uid => "UID",
        FetchItemKind.InternalDate => "INTERNALDATE",
        FetchItemKind.Rfc822Size => "RFC822.SIZE",
        FetchItemKind.Rfc822 => "RFC822",
        FetchItemKind.Rfc822Header => "RFC822.HEADER",
        FetchItemKind.Rfc822Text => "RFC822.TEXT",
        FetchItemKind.Envelope => "ENVELOPE",
        FetchItemKind.Body => "BODY",
        FetchItemKind.BodyStructure => "BODYSTRUCTURE",
        FetchItemKind.ModSeq => "MODSEQ",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // fetch-modifier = "CHANGEDSINCE" SP mod-sequence-valzer (RFC 7162 §3.1.4.1)
    private static bool TryParseModifiers(ImapValue value, out ulong? changedSince, out string error)
    {
        changedSince = null;
        if (value.Kind != ImapValueKind.List || value.Items.Count == 0)
        {
            error = "Expected a list of fetch modifiers";
            return false;
        }

        var list = value.Items;
        for (var i = 0; i < list.Count; i += 2)
        {
            if (!list[i].IsAtom("CHANGEDSINCE"))
            {
                error = "Unknown fetch modifier " + list[i];
                return false;
            }

            if (changedSince is not null || i + 1 >= list.Count || list[i + 1].Kind != ImapValueKind.Number || list[i + 1].Number > long.MaxValue)
            {
                error = "CHANGEDSINCE needs one mod-sequence value";
                return false;
            }

            changedSince = list[i + 1].Number;
        }

        error = string.Empty;
        return true;
    }

    private static bool TryParseItem(ImapValue value, List<FetchItem> items, out string error)
    {
        error = string.Empty;
        if (value.Kind != ImapValueKind.Atom)
        {
            error = "Invalid fetch item " + value;
            return false;
        }

        var text = value.Text;
        var bracket = text.IndexOf('[', StringComparison.Ordinal);
        var name = (bracket < 0 ? text : text[..bracket]).ToUpperInvariant();
        if (bracket < 0)
        {
            FetchItemKind? simple = name switch
            {
                "FLAGS" => FetchItemKind.Flags,
                "UID" => FetchItemKind.Uid,
                "INTERNALDATE" => FetchItemKind.InternalDate,
                "RFC822.SIZE" => FetchItemKind.Rfc822Size,
                "RFC822" => FetchItemKind.Rfc822,
                "RFC822.HEADER" => FetchItemKind.Rfc822Header,
                "RFC822.TEXT" => FetchItemKind.Rfc822Text,
                "ENVELOPE" => FetchItemKind.Envelope,
                "BODY" => FetchItemKind.Body,
                "BODYSTRUCTURE" => FetchItemKind.BodyStructure,
                "MODSEQ" => FetchItemKind.ModSeq,
                _ => null,
            };
            if (simple is not { } kind)
            {
                error = name is "ALL" or "FAST" or "FULL" ? name + " cannot be combined with other items" : "Unknown fetch item " + text;
                return false;
            }

            var item = new FetchItem(kind, SimpleName(kind));
            if (kind is FetchItemKind.Rfc822Header or FetchItemKind.Rfc822Text)
            {
                // Resolved as BODY.PEEK[HEADER] and BODY[TEXT]; the name stays RFC822.*.
                item = new FetchItem(kind, SimpleName(kind)) { SectionText = kind == FetchItemKind.Rfc822Header ? SectionKind.Header : SectionKind.Text };
            }

            items.Add(item);
            return true;
        }

        var close = text.IndexOf(']', bracket);
        if (close < 0)
        {
            error = "Unterminated section in " + text;
            return false;
        }

        var sectionText = text[(bracket + 1)..close];
        var tail = text[(close + 1)..];
        var (kindWithSection, peek, binary) = name switch
        {
            "BODY" => (FetchItemKind.BodySection, false, false),
            "BODY.PEEK" => (FetchItemKind.BodySection, true, false),
            "BINARY" => (FetchItemKind.Binary, false, true),
            "BINARY.PEEK" => (FetchItemKind.Binary, true, true),
            "BINARY.SIZE" => (FetchItemKind.BinarySize, false, true),
            _ => ((FetchItemKind?)null, false, false),
        };
        if (kindWithSection is not { } sectionKind)
        {
            error = "Unknown fetch item " + text;
            return false;
        }

        if (!TryParseSection(sectionText, binary, out var part, out var keyword, out var names, out error))
        {
            error += " in " + text;
            return false;
        }

        uint? origin = null;
        uint? count = null;
        if (tail.Length > 0)
        {
            if (sectionKind == FetchItemKind.BinarySize || !TryParsePartial(tail, out var o, out var c))
            {
                error = "Invalid partial in " + text;
                return false;
            }

            (origin, count) = (o, c);
        }

        var responseName = (binary ? (sectionKind == FetchItemKind.BinarySize ? "BINARY.SIZE" : "BINARY") : "BODY")
            + "[" + FormatSection(part, keyword, names) + "]";
        items.Add(new FetchItem(sectionKind, responseName)
        {
            Part = part,
            SectionText = keyword,
            FieldNames = names,
            Peek = peek,
            PartialOrigin = origin,
            PartialCount = count,
        });
        return true;
    }

    // section-spec = section-msgtext / (section-part ["." section-text]); section-binary = [section-part]
    private static bool TryParseSection(string text, bool binary, out int[] part, out SectionKind keyword, out string[] names, out string error)
    {
        part = [];
        keyword = SectionKind.Content;
        names = [];
        error = string.Empty;
        var numbers = new List<int>();
        var i = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (text[start] == '0' || !int.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = "Invalid part number";
                return false;
            }

            numbers.Add(number);
            if (numbers.Count > MaxPartDepth)
            {
                error = "Part number too deep";
                return false;
            }

            if (i < text.Length)
            {
                if (text[i] != '.' || i + 1 == text.Length)
                {
                    error = "Invalid section";
                    return false;
                }

                i++;
            }
        }

        part = [.. numbers];
        var rest = text[i..];
        if (rest.Length == 0)
        {
            return true;
        }

        if (binary)
        {
            error = "BINARY takes part numbers only";
            return false;
        }

        var upper = rest.ToUpperInvariant();
        if (upper == "HEADER")
        {
            keyword = SectionKind.Header;
        }
        else if (upper == "TEXT")
        {
            keyword = SectionKind.Text;
        }
        else if (upper == "MIME")
        {
            if (part.Length == 0)
            {
                error = "MIME needs a part number";
                return false;
            }

            keyword = SectionKind.Mime;
        }
        else if (upper.StartsWith("HEADER.FIELDS.NOT ", StringComparison.Ordinal) || upper.StartsWith("HEADER.FIELDS ", StringComparison.Ordinal))
        {
            keyword = upper.StartsWith("HEADER.FIELDS.NOT", StringComparison.Ordinal) ? SectionKind.HeaderFieldsNot : SectionKind.HeaderFields;
            var list = rest[(keyword == SectionKind.HeaderFieldsNot ? 18 : 14)..];
            if (!TryParseHeaderList(list, out names))
            {
                error = "Invalid header field list";
                return false;
            }
        }
        else
        {
            error = "Unknown section";
            return false;
        }

        return true;
    }

    // header-list = "(" header-fld-name *(SP header-fld-name) ")"; header-fld-name = astring
    private static bool TryParseHeaderList(string text, out string[] names)
    {
        names = [];
        if (text.Length < 3 || text[0] != '(' || text[^1] != ')')
        {
            return false;
        }

        var list = new List<string>();
        var i = 1;
        var end = text.Length - 1;
        while (i < end)
        {
            string name;
            if (text[i] == '"')
            {
                var builder = new StringBuilder();
                i++;
                while (i < end && text[i] != '"')
                {
                    if (text[i] == '\\')
                    {
                        i++;
                        if (i >= end || text[i] is not ('"' or '\\'))
                        {
                            return false;
                        }
                    }

                    builder.Append(text[i++]);
                }

                if (i >= end)
                {
                    return false;
                }

                i++;
                name = builder.ToString();
            }
            else
            {
                var start = i;
                while (i < end && IsAstringChar(text[i]))
                {
                    i++;
                }

                name = text[start..i];
            }

            // A field name is printable ASCII without ":" (RFC 5322 ftext); anything else can match nothing.
            if (name.Length == 0 || name.Contains(':', StringComparison.Ordinal) || name.Any(c => c is <= ' ' or > '~'))
            {
                return false;
            }

            list.Add(name);
            if (list.Count > MaxFieldNames)
            {
                return false;
            }

            if (i < end)
            {
                if (text[i] != ' ' || i + 1 == end)
                {
                    return false;
                }

                i++;
            }
        }

        names = [.. list];
        return names.Length > 0;
    }

    private static bool IsAstringChar(char c) =>
        c is > ' ' and < '\x7F' and not ('(' or ')' or '{' or '%' or '*' or '"' or '\\');

    // partial = "<" number "." nz-number ">"
    private static bool TryParsePartial(string text, out uint origin, out uint count)
    {
        origin = 0;
        count = 0;
        if (text.Length < 5 || text[0] != '<' || text[^1] != '>')
        {
            return false;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return false;
        }

        var first = text.AsSpan(1, dot - 1);
        var second = text.AsSpan(dot + 1, text.Length - dot - 2);
        return first.Length is > 0 and <= 10 && second.Length is > 0 and <= 10
            && uint.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out origin)
            && uint.TryParse(second, NumberStyles.None, CultureInfo.InvariantCulture, out count)
            && count > 0;
    }

    // The section as echoed: keywords upper case, field names as the client wrote them
    // (quoted when they are not atoms), single spaces.
    private static string FormatSection(int[] part, SectionKind keyword, string[] names)
    {
        var builder = new StringBuilder(string.Join('.', part));
        if (keyword != SectionKind.Content)
        {
            if (part.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(keyword switch
            {
                SectionKind.Header => "HEADER",
                SectionKind.HeaderFields => "HEADER.FIELDS",
                SectionKind.HeaderFieldsNot => "HEADER.FIELDS.NOT",
                SectionKind.Text => "TEXT",
                _ => "MIME",
            });
        }

        if (names.Length > 0)
        {
            builder.Append(" (");
            builder.AppendJoin(' ', names.Select(n => n.All(IsAstringChar) ? n : "\"" + n.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
            builder.Append(')');
        }

        return builder.ToString();
    }
}
