using System.Globalization;
using Interchange.Imap.Protocol;
using Interchange.Mime.Headers;

namespace Interchange.Imap.Search;

/// <summary>
/// A parsed SEARCH command (RFC 3501 §6.4.4, RFC 9051 §6.4.4): ESEARCH return options
/// (RFC 4731, RFC 5182 SAVE), the charset, and the keys, ANDed. Evaluated per message with
/// <see cref="Matches"/>.
/// </summary>
/// <remarks>
/// RECENT, NEW (RECENT UNSEEN) and OLD (NOT RECENT) test the \Recent flag, which the session puts
/// among a message's flags where it is recent to it; IMAP4rev2 sessions (which dropped \Recent)
/// never do, so there RECENT and NEW match nothing and OLD everything. Dates compare calendar days,
/// ignoring time and zone, as RFC 3501 says; SENT* use the Date field's own day, or the
/// internal date when the field is missing or unreadable (as Dovecot does). Strings match as
/// case-insensitive substrings of decoded values (RFC 2047 words, transfer encodings and
/// charsets of text parts), in time linear in the text (<see cref="SearchPattern"/> says how
/// case is folded); BODY and TEXT strings are all looked for in one pass over a message's text.
/// </remarks>
public sealed class SearchProgram
{
    /// <summary>How deep NOT, OR and parentheses may nest; deeper programs are refused rather than recursed into.</summary>
    public const int MaxNestingDepth = 32;

    private static readonly string[] SupportedCharsetNames = ["UTF-8", "US-ASCII"];

    private readonly SearchKey _root;
    private readonly IReadOnlyList<SearchPattern> _bodyPatterns;

    private SearchProgram(SearchKey root, SearchReturnOptions returnOptions, bool isExtended, bool usesModSeq, bool usesSavedResult, IReadOnlyList<SearchPattern>? bodyPatterns = null)
    {
        _root = root;
        _bodyPatterns = bodyPatterns ?? [];
        ReturnOptions = returnOptions;
        IsExtended = isExtended;
        UsesModSeq = usesModSeq;
        UsesSavedResult = usesSavedResult;
        ReadsMessage = Reads(root);
    }

    /// <summary>The charsets CHARSET accepts, for <c>NO [BADCHARSET (UTF-8 US-ASCII)]</c>.</summary>
    public static IReadOnlyList<string> SupportedCharsets => SupportedCharsetNames;

    /// <summary>The RETURN options; RETURN () means ALL (RFC 4731 §3.1). None without RETURN.</summary>
    public SearchReturnOptions ReturnOptions { get; }

    /// <summary>True when RETURN was given: the answer is ESEARCH, not SEARCH.</summary>
    public bool IsExtended { get; }

    /// <summary>True when a MODSEQ key appears: the answer carries the highest mod-sequence found (RFC 7162 §3.1.5).</summary>
    public bool UsesModSeq { get; }

    /// <summary>True when "$" appears: the caller supplies the saved result to <see cref="Matches"/>.</summary>
    public bool UsesSavedResult { get; }

    /// <summary>
    /// True when a key reads the message itself (its header fields, sent date, body or text),
    /// not only what the mailbox keeps of it: the caller then loads structures and content first.
    /// </summary>
    public bool ReadsMessage { get; }

    public static bool TryParse(IReadOnlyList<ImapValue> arguments, out SearchProgram program, out string error) =>
        TryParse(arguments, out program, out error, out _);

    /// <summary>
    /// Parses the arguments of SEARCH. False with a message for BAD, or, when
    /// <paramref name="badCharset"/>, for <c>NO [BADCHARSET (UTF-8 US-ASCII)]</c> (see <see cref="SupportedCharsets"/>).
    /// </summary>
    public static bool TryParse(IReadOnlyList<ImapValue> arguments, out SearchProgram program, out string error, out bool badCharset) =>
        TryParse(arguments, int.MaxValue, out program, out error, out badCharset, out _);

    /// <summary>
    /// Parses the arguments of SEARCH, refusing a search string longer than
    /// <paramref name="maxStringLength"/> characters (<paramref name="tooLong"/>: the caller
    /// answers <c>NO [LIMIT]</c>), before anything is built from it.
    /// </summary>
    public static bool TryParse(IReadOnlyList<ImapValue> arguments, int maxStringLength, out SearchProgram program, out string error, out bool badCharset, out bool tooLong)
    {
        tooLong = false;
        ArgumentNullException.ThrowIfNull(arguments);
        program = new SearchProgram(new SearchKey.None(), SearchReturnOptions.None, false, false, false);
        badCharset = false;
        error = string.Empty;
        var i = 0;
        var options = SearchReturnOptions.None;
        var extended = false;
        if (i < arguments.Count && arguments[i].IsAtom("RETURN"))
        {
            if (i + 1 >= arguments.Count || !TryParseReturn(arguments[i + 1], out options, out error))
            {
                error = i + 1 >= arguments.Count ? "RETURN needs a list of options" : error;
                return false;
            }

            extended = true;
            i += 2;
        }

        if (i < arguments.Count && arguments[i].IsAtom("CHARSET"))
        {
            if (i + 1 >= arguments.Count || !arguments[i + 1].TryGetAstring(out var charset) || arguments[i + 1].Kind == ImapValueKind.List)
            {
                error = "CHARSET needs a charset name";
                return false;
            }

            if (!SupportedCharsetNames.Contains(charset, StringComparer.OrdinalIgnoreCase))
            {
                badCharset = true;
                error = "Unsupported charset " + charset;
                return false;
            }

            i += 2;
        }

        if (i >= arguments.Count)
        {
            error = "Missing search keys";
            return false;
        }

        var parser = new Parser(maxStringLength);
        var keys = new List<SearchKey>();
        while (i < arguments.Count)
        {
            if (!parser.TryParseKey(arguments, ref i, 0, out var key, out error))
            {
                tooLong = parser.TooLong;
                return false;
            }

            keys.Add(key);
        }

        program = new SearchProgram(keys.Count == 1 ? keys[0] : new SearchKey.And(keys), options, extended, parser.UsesModSeq, parser.UsesSavedResult, parser.BodyPatterns);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Whether the message matches. <paramref name="savedUids"/> is the result saved by an
    /// earlier SEARCH RETURN (SAVE), as UIDs, for "$" (empty when none was saved).
    /// </summary>
    private static bool Reads(SearchKey key) => key switch
    {
        SearchKey.Header or SearchKey.SentDate or SearchKey.Body or SearchKey.Text => true,
        SearchKey.And and_ => and_.Keys.Any(Reads),
        SearchKey.Or or => Reads(or.Left) || Reads(or.Right),
        SearchKey.Not not => Reads(not.Key),
        _ => false,
    };

    public bool Matches(ISearchableMessage message, IReadOnlySet<uint>? savedUids = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Evaluate(_root, message, savedUids);
    }

    /// <summary>The BODY and TEXT strings, in the order of their keys' indexes: what <see cref="ISearchableMessage.FindInBody"/> is asked for.</summary>
    public IReadOnlyList<SearchPattern> BodyPatterns => _bodyPatterns;

    // search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
    private static bool TryParseReturn(ImapValue value, out SearchReturnOptions options, out string error)
    {
        options = SearchReturnOptions.None;
        error = string.Empty;
        if (value.Kind != ImapValueKind.List)
        {
            error = "RETURN needs a list of options";
            return false;
        }

        foreach (var item in value.Items)
        {
            SearchReturnOptions? option = item.Kind == ImapValueKind.Atom ? item.Text.ToUpperInvariant() switch
            {
                "MIN" => SearchReturnOptions.Min,
                "MAX" => SearchReturnOptions.Max,
                "COUNT" => SearchReturnOptions.Count,
                "ALL" => SearchReturnOptions.All,
                "SAVE" => SearchReturnOptions.Save,
                _ => null,
            } : null;
            if (option is not { } known)
            {
                error = "Unknown RETURN option " + item;
                return false;
            }

            options |= known;
        }

        // RFC 4731 §3.1: RETURN () is RETURN (ALL).
        if (options == SearchReturnOptions.None)
        {
            options = SearchReturnOptions.All;
        }

        return true;
    }

    private bool Evaluate(SearchKey key, ISearchableMessage message, IReadOnlySet<uint>? saved)
    {
        switch (key)
        {
            case SearchKey.All:
                return true;
            case SearchKey.None:
                return false;
            case SearchKey.And and:
                foreach (var child in and.Keys)
                {
                    if (!Evaluate(child, message, saved))
                    {
                        return false;
                    }
                }

                return true;
            case SearchKey.Or or:
                return Evaluate(or.Left, message, saved) || Evaluate(or.Right, message, saved);
            case SearchKey.Not not:
                return !Evaluate(not.Key, message, saved);
            case SearchKey.HasFlag flag:
                return message.Flags.Contains(flag.Flag, StringComparer.OrdinalIgnoreCase) == flag.Expected;
            case SearchKey.Sequence sequence:
                return sequence.Set.IsSavedResult
                    ? saved is not null && saved.Contains(message.Uid)
                    : sequence.Set.Contains(message.SequenceNumber, message.MaxSequenceNumber);
            case SearchKey.Uids uids:
                return uids.Set.IsSavedResult
                    ? saved is not null && saved.Contains(message.Uid)
                    : uids.Set.Contains(message.Uid, message.MaxUid);
            case SearchKey.InternalDate date:
                return Compare(DateOnly.FromDateTime(message.InternalDate.DateTime), date.Date, date.Comparison);
            case SearchKey.SentDate sent:
                var header = MailDate.Parse(message.Headers.GetText("Date")) ?? message.InternalDate;
                return Compare(DateOnly.FromDateTime(header.DateTime), sent.Date, sent.Comparison);
            case SearchKey.Larger larger:
                return (ulong)message.Size > larger.Size;
            case SearchKey.Smaller smaller:
                return (ulong)message.Size < smaller.Size;
            case SearchKey.Header field:
                foreach (var candidate in message.Headers.GetAll(field.Field))
                {
                    // Header keys are charged too: many of them over many messages multiply like body strings.
                    var searched = AddressSearchText.Of(candidate);
                    message.ChargeHeaderWork(searched.Length);
                    if (field.Value.IsFoundIn(searched))
                    {
                        return true;
                    }
                }

                return false;
            case SearchKey.Body body:
                return message.FindInBody(_bodyPatterns)[body.Index];
            case SearchKey.Text text:
                message.ChargeHeaderWork(message.Headers.Sum(f => (long)f.Name.Length + f.Value.Length));
                return message.Headers.Any(f => text.Value.IsFoundIn(f.Name) || text.Value.IsFoundIn(f.Value))
                    || message.FindInBody(_bodyPatterns)[text.Index];
            case SearchKey.ModSeq modSeq:
                return message.ModSeq >= modSeq.Value;
            default:
                throw new InvalidOperationException("Unknown search key " + key);
        }
    }

    private static bool Compare(DateOnly value, DateOnly date, SearchKey.DateComparison comparison) => comparison switch
    {
        SearchKey.DateComparison.Before => value < date,
        SearchKey.DateComparison.On => value == date,
        _ => value >= date,
    };

    private sealed class Parser
    {
        private static readonly string[] DateFormats = ["d-MMM-yyyy", "dd-MMM-yyyy"];

        private readonly int _maxStringLength;
        private readonly List<SearchPattern> _bodyPatterns = [];

        public Parser(int maxStringLength)
        {
            _maxStringLength = maxStringLength;
        }

        public bool TooLong { get; private set; }

        public IReadOnlyList<SearchPattern> BodyPatterns => _bodyPatterns;

        public bool UsesModSeq { get; private set; }

        public bool UsesSavedResult { get; private set; }

        public bool TryParseKey(IReadOnlyList<ImapValue> values, ref int i, int depth, out SearchKey key, out string error)
        {
            key = new SearchKey.None();
            error = string.Empty;
            if (depth > MaxNestingDepth)
            {
                error = "Search program nested too deeply";
                return false;
            }

            if (i >= values.Count)
            {
                error = "Missing search key";
                return false;
            }

            var value = values[i++];
            if (value.Kind == ImapValueKind.List)
            {
                if (value.Items.Count == 0)
                {
                    error = "Empty parenthesised search key";
                    return false;
                }

                var keys = new List<SearchKey>();
                var j = 0;
                while (j < value.Items.Count)
                {
                    if (!TryParseKey(value.Items, ref j, depth + 1, out var child, out error))
                    {
                        return false;
                    }

                    keys.Add(child);
                }

                key = keys.Count == 1 ? keys[0] : new SearchKey.And(keys);
                return true;
            }

            if (value.Kind is ImapValueKind.SequenceSet or ImapValueKind.Number)
            {
                if (!value.TryGetSequenceSet(out var set))
                {
                    error = "Invalid sequence set " + value;
                    return false;
                }

                UsesSavedResult |= set.IsSavedResult;
                key = new SearchKey.Sequence(set);
                return true;
            }

            if (value.Kind != ImapValueKind.Atom)
            {
                error = "Expected a search key, got " + value;
                return false;
            }

            var name = value.Text.ToUpperInvariant();
            switch (name)
            {
                case "ALL":
                    key = new SearchKey.All();
                    return true;
                case "RECENT" or "OLD":
                    // \Recent is among a message's flags in the sessions it is recent in (see the remarks).
                    key = new SearchKey.HasFlag("\\Recent", name == "RECENT");
                    return true;
                case "NEW":
                    key = new SearchKey.And([new SearchKey.HasFlag("\\Recent", true), new SearchKey.HasFlag("\\Seen", false)]);
                    return true;
                case "ANSWERED" or "DELETED" or "DRAFT" or "FLAGGED" or "SEEN":
                    key = new SearchKey.HasFlag("\\" + name, true);
                    return true;
                case "UNANSWERED" or "UNDELETED" or "UNDRAFT" or "UNFLAGGED" or "UNSEEN":
                    key = new SearchKey.HasFlag("\\" + name[2..], false);
                    return true;
                case "KEYWORD" or "UNKEYWORD":
                    if (!TryAtom(values, ref i, out var keyword) || keyword.StartsWith('\\'))
                    {
                        error = name + " needs a keyword";
                        return false;
                    }

                    key = new SearchKey.HasFlag(keyword, name == "KEYWORD");
                    return true;
                case "BEFORE" or "ON" or "SINCE" or "SENTBEFORE" or "SENTON" or "SENTSINCE":
                    if (!TryDate(values, ref i, out var date))
                    {
                        error = name + " needs a date such as 1-Feb-1994";
                        return false;
                    }

                    var comparison = name.EndsWith("BEFORE", StringComparison.Ordinal) ? SearchKey.DateComparison.Before
                        : name.EndsWith("ON", StringComparison.Ordinal) ? SearchKey.DateComparison.On : SearchKey.DateComparison.Since;
                    key = name.StartsWith("SENT", StringComparison.Ordinal) ? new SearchKey.SentDate(date, comparison) : new SearchKey.InternalDate(date, comparison);
                    return true;
                case "LARGER" or "SMALLER":
                    if (i >= values.Count || values[i].Kind != ImapValueKind.Number)
                    {
                        error = name + " needs a number";
                        return false;
                    }

                    var size = values[i++].Number;
                    key = name == "LARGER" ? new SearchKey.Larger(size) : new SearchKey.Smaller(size);
                    return true;
                case "BCC" or "CC" or "FROM" or "SUBJECT" or "TO":
                    if (!TryString(values, ref i, out var text))
                    {
                        error = name + " needs a string";
                        return false;
                    }

                    if (!CheckLength(text, out error))
                    {
                        return false;
                    }

                    key = new SearchKey.Header(name, new SearchPattern(text));
                    return true;
                case "BODY" or "TEXT":
                    if (!TryString(values, ref i, out text))
                    {
                        error = name + " needs a string";
                        return false;
                    }

                    if (!CheckLength(text, out error))
                    {
                        return false;
                    }

                    var pattern = new SearchPattern(text);
                    _bodyPatterns.Add(pattern);
                    key = name == "BODY" ? new SearchKey.Body(pattern, _bodyPatterns.Count - 1) : new SearchKey.Text(pattern, _bodyPatterns.Count - 1);
                    return true;
                case "HEADER":
                    if (!TryString(values, ref i, out var field) || !TryString(values, ref i, out text) || field.Length == 0)
                    {
                        error = "HEADER needs a field name and a string";
                        return false;
                    }

                    if (!CheckLength(text, out error))
                    {
                        return false;
                    }

                    key = new SearchKey.Header(field, new SearchPattern(text));
                    return true;
                case "UID":
                    if (i >= values.Count || !values[i].TryGetSequenceSet(out var uids))
                    {
                        error = "UID needs a sequence set";
                        return false;
                    }

                    i++;
                    UsesSavedResult |= uids.IsSavedResult;
                    key = new SearchKey.Uids(uids);
                    return true;
                case "NOT":
                    if (!TryParseKey(values, ref i, depth + 1, out var inner, out error))
                    {
                        return false;
                    }

                    key = new SearchKey.Not(inner);
                    return true;
                case "OR":
                    if (!TryParseKey(values, ref i, depth + 1, out var left, out error) || !TryParseKey(values, ref i, depth + 1, out var right, out error))
                    {
                        return false;
                    }

                    key = new SearchKey.Or(left, right);
                    return true;
                case "MODSEQ":
                    return TryModSeq(values, ref i, out key, out error);
                default:
                    error = "Unknown search key " + value.Text;
                    return false;
            }
        }

        // search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer;
        // search-modseq-ext = SP entry-name SP entry-type-req (RFC 7162 §3.1.5). Flags'
        // mod-sequences are not kept apart, so the entry is checked and then ignored.
        private bool TryModSeq(IReadOnlyList<ImapValue> values, ref int i, out SearchKey key, out string error)
        {
            key = new SearchKey.None();
            error = "MODSEQ needs a mod-sequence value";
            if (i < values.Count && values[i].IsString)
            {
                if (i + 2 >= values.Count || !(values[i + 1].IsAtom("priv") || values[i + 1].IsAtom("shared") || values[i + 1].IsAtom("all")))
                {
                    error = "MODSEQ entry needs an entry type (priv, shared or all)";
                    return false;
                }

                i += 2;
            }

            if (i >= values.Count || values[i].Kind != ImapValueKind.Number || values[i].Number > long.MaxValue)
            {
                return false;
            }

            key = new SearchKey.ModSeq(values[i++].Number);
            UsesModSeq = true;
            error = string.Empty;
            return true;
        }

        private bool CheckLength(string text, out string error)
        {
            error = string.Empty;
            if (text.Length <= _maxStringLength)
            {
                return true;
            }

            TooLong = true;
            error = $"Search string longer than {_maxStringLength} characters";
            return false;
        }

        private static bool TryString(IReadOnlyList<ImapValue> values, ref int i, out string text)
        {
            text = string.Empty;
            if (i >= values.Count || values[i].Kind == ImapValueKind.List || !values[i].TryGetAstring(out text))
            {
                return false;
            }

            i++;
            return true;
        }

        private static bool TryAtom(IReadOnlyList<ImapValue> values, ref int i, out string atom)
        {
            atom = string.Empty;
            if (i >= values.Count || values[i].Kind is ImapValueKind.List or ImapValueKind.Literal or ImapValueKind.QuotedString)
            {
                return false;
            }

            atom = values[i++].Text;
            return atom.Length > 0;
        }

        // date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month "-" date-year
        private static bool TryDate(IReadOnlyList<ImapValue> values, ref int i, out DateOnly date)
        {
            date = default;
            if (!TryString(values, ref i, out var text))
            {
                return false;
            }

            return DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
        }
    }
}
