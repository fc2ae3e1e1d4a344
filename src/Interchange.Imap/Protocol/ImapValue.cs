using System.Text;

namespace Interchange.Imap.Protocol;

/// <summary>
/// One argument of a command, as the lexer saw it. Bare tokens keep their text whatever
/// their kind, because one token can mean different things to different commands ("*" is a
/// sequence set to FETCH and a pattern to LIST; "NIL" can be a mailbox name).
/// </summary>
public sealed class ImapValue
{
    private static readonly ImapValue[] NoItems = [];

    private ImapValue(ImapValueKind kind, string text)
    {
        Kind = kind;
        Text = text;
    }

    public ImapValueKind Kind { get; }

    /// <summary>The token as written for bare tokens, the unescaped contents of a quoted string, empty for literals and lists.</summary>
    public string Text { get; }

    /// <summary>Set for <see cref="ImapValueKind.Number"/>.</summary>
    public ulong Number { get; private init; }

    /// <summary>Set for <see cref="ImapValueKind.SequenceSet"/>.</summary>
    public SequenceSet? SequenceSet { get; private init; }

    /// <summary>The contents of a literal (the bytes of a quoted string are not kept; use <see cref="Text"/>).</summary>
    public ReadOnlyMemory<byte> Bytes { get; internal set; }

    /// <summary>True for a literal8 (~{n}, RFC 3516): the contents may hold NUL and any byte.</summary>
    public bool IsLiteral8 { get; private init; }

    /// <summary>The items of a list.</summary>
    public IReadOnlyList<ImapValue> Items { get; private init; } = NoItems;

    public bool IsString => Kind is ImapValueKind.QuotedString or ImapValueKind.Literal;

    /// <summary>True when this is a bare token equal to <paramref name="atom"/>, ignoring ASCII case.</summary>
    public bool IsAtom(string atom) =>
        Kind is ImapValueKind.Atom or ImapValueKind.Nil or ImapValueKind.Number or ImapValueKind.SequenceSet
        && string.Equals(Text, atom, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads an <c>astring</c>: a bare token or a string. Literal contents must be UTF-8
    /// (RFC 9051 permits it; older clients send ASCII, which is UTF-8).
    /// </summary>
    public bool TryGetAstring(out string value)
    {
        switch (Kind)
        {
            case ImapValueKind.List:
                value = string.Empty;
                return false;
            case ImapValueKind.Literal:
                if (IsLiteral8 || !System.Text.Unicode.Utf8.IsValid(Bytes.Span) || Bytes.Span.Contains((byte)0))
                {
                    value = string.Empty;
                    return false;
                }

                value = Encoding.UTF8.GetString(Bytes.Span);
                return true;
            default:
                value = Text;
                return true;
        }
    }

    /// <summary>
    /// Reads a <c>flag</c> (RFC 3501 9): an atom (a keyword) or "\" and an atom. Any bare token
    /// that is an atom counts, whatever the lexer made of it: <c>NIL</c>, <c>123</c> and <c>1:2</c>
    /// are keywords where the grammar wants a flag.
    /// </summary>
    public bool TryGetFlag(out string flag)
    {
        flag = Text;
        if (Kind is not (ImapValueKind.Atom or ImapValueKind.Nil or ImapValueKind.Number or ImapValueKind.SequenceSet))
        {
            return false;
        }

        var atom = flag.StartsWith('\\') ? flag.AsSpan(1) : flag.AsSpan();
        if (atom.IsEmpty)
        {
            return false;
        }

        foreach (var c in atom)
        {
            if (c > 0x7F || !ImapLineTokenizer.IsAtomChar((byte)c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads an <c>nstring</c>: NIL gives null.</summary>
    public bool TryGetNString(out string? value)
    {
        if (Kind == ImapValueKind.Nil)
        {
            value = null;
            return true;
        }

        if (IsString && TryGetAstring(out var text))
        {
            value = text;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Reads a <c>number</c> (RFC 3501: 32 bits) or <c>nz-number</c> when <paramref name="nonZero"/>.</summary>
    public bool TryGetNumber(out uint value, bool nonZero = false)
    {
        value = 0;
        if (Kind != ImapValueKind.Number || Number > uint.MaxValue || (nonZero && Number == 0))
        {
            return false;
        }

        value = (uint)Number;
        return true;
    }

    /// <summary>Reads a sequence set: a lone number is one too (0 is refused).</summary>
    public bool TryGetSequenceSet(out SequenceSet set)
    {
        if (Kind == ImapValueKind.SequenceSet && SequenceSet is not null)
        {
            set = SequenceSet;
            return true;
        }

        if (Kind == ImapValueKind.Number && Number is > 0 and <= uint.MaxValue)
        {
            set = SequenceSet.FromRanges([new SequenceRange((uint)Number, (uint)Number)]);
            return true;
        }

        set = SequenceSet.SavedResult;
        return false;
    }

    public override string ToString() => Kind switch
    {
        ImapValueKind.QuotedString => "\"" + Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        ImapValueKind.Literal => (IsLiteral8 ? "~{" : "{") + Bytes.Length + "}",
        ImapValueKind.List => "(" + string.Join(' ', Items) + ")",
        _ => Text,
    };

    internal static ImapValue Atom(string text) => new(ImapValueKind.Atom, text);

    internal static ImapValue Nil(string text) => new(ImapValueKind.Nil, text);

    internal static ImapValue FromNumber(string text, ulong number) => new(ImapValueKind.Number, text) { Number = number };

    internal static ImapValue FromSequenceSet(string text, SequenceSet set) => new(ImapValueKind.SequenceSet, text) { SequenceSet = set };

    internal static ImapValue Quoted(string text) => new(ImapValueKind.QuotedString, text);

    internal static ImapValue Literal(bool literal8) => new(ImapValueKind.Literal, string.Empty) { IsLiteral8 = literal8 };

    internal static ImapValue List(List<ImapValue> items) => new(ImapValueKind.List, string.Empty) { Items = items };
}
