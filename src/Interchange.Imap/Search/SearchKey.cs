using Interchange.Imap.Protocol;

namespace Interchange.Imap.Search;

/// <summary>The parsed program's tree: one node per search key (RFC 3501 §6.4.4).</summary>
internal abstract record SearchKey
{
    internal sealed record All : SearchKey;

    internal sealed record None : SearchKey;

    internal sealed record And(IReadOnlyList<SearchKey> Keys) : SearchKey;

    internal sealed record Or(SearchKey Left, SearchKey Right) : SearchKey;

    internal sealed record Not(SearchKey Key) : SearchKey;

    internal sealed record HasFlag(string Flag, bool Expected) : SearchKey;

    internal sealed record Sequence(SequenceSet Set) : SearchKey;

    internal sealed record Uids(SequenceSet Set) : SearchKey;

    internal sealed record InternalDate(DateOnly Date, DateComparison Comparison) : SearchKey;

    internal sealed record SentDate(DateOnly Date, DateComparison Comparison) : SearchKey;

    internal sealed record Larger(ulong Size) : SearchKey;

    internal sealed record Smaller(ulong Size) : SearchKey;

    internal sealed record Header(string Field, SearchPattern Value) : SearchKey;

    /// <summary>Index: the pattern's place in the program's body patterns, which are looked for in one pass.</summary>
    internal sealed record Body(SearchPattern Value, int Index) : SearchKey;

    internal sealed record Text(SearchPattern Value, int Index) : SearchKey;

    internal sealed record ModSeq(ulong Value) : SearchKey;

    internal enum DateComparison
    {
        Before,
        On,
        Since,
    }
}
