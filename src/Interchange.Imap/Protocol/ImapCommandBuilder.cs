namespace Interchange.Imap.Protocol;

/// <summary>The command being assembled across the lines and literals of one command.</summary>
internal sealed class ImapCommandBuilder
{
    private readonly List<ImapValue> _arguments = [];
    private readonly Stack<List<ImapValue>> _open = new();
    private int _count;

    public ImapCommandBuilder(ImapParserOptions options)
    {
        Options = options;
    }

    public ImapParserOptions Options { get; }

    public string? Tag { get; set; }

    public string? Name { get; set; }

    public bool IsUid { get; set; }

    /// <summary>After a value, the next byte must be a space, ")" or the end of the line.</summary>
    public bool NeedSeparator { get; set; }

    public bool HasOpenList => _open.Count > 0;

    /// <summary>Values added outside any list so far (an open list is not yet one of them).</summary>
    public int TopLevelCount => _arguments.Count;

    /// <summary>How many lists are open.</summary>
    public int OpenDepth => _open.Count;

    /// <summary>The last value added outside any list, if any.</summary>
    public ImapValue? LastTopLevel => _arguments.Count > 0 ? _arguments[^1] : null;

    public ImapParseError Fail(ImapParseErrorKind kind, string message) => new(kind, Tag, message);

    public bool Add(ImapValue value, out ImapParseError? error)
    {
        if (++_count > Options.MaxArguments)
        {
            error = Fail(ImapParseErrorKind.TooManyArguments, "Too many arguments");
            return false;
        }

        (_open.Count > 0 ? _open.Peek() : _arguments).Add(value);
        NeedSeparator = true;
        error = null;
        return true;
    }

    public bool OpenList(out ImapParseError? error)
    {
        if (_open.Count >= Options.MaxNestingDepth)
        {
            error = Fail(ImapParseErrorKind.NestingTooDeep, "Lists nested too deeply");
            return false;
        }

        if (++_count > Options.MaxArguments)
        {
            error = Fail(ImapParseErrorKind.TooManyArguments, "Too many arguments");
            return false;
        }

        _open.Push([]);
        NeedSeparator = false;
        error = null;
        return true;
    }

    public bool CloseList(out ImapParseError? error)
    {
        if (_open.Count == 0)
        {
            error = Fail(ImapParseErrorKind.Syntax, "Unexpected )");
            return false;
        }

        var items = _open.Pop();
        (_open.Count > 0 ? _open.Peek() : _arguments).Add(ImapValue.List(items));
        NeedSeparator = true;
        error = null;
        return true;
    }

    public ImapCommand Build() => new(Tag!, Name!, IsUid, _arguments);
}
