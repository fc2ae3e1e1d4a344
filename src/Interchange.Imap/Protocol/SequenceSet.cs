using System.Globalization;
using System.Text;

namespace Interchange.Imap.Protocol;

/// <summary>
/// An IMAP sequence set (RFC 3501 §9 <c>sequence-set</c>, RFC 9051): numbers and ranges with
/// "*" for the largest number in use, or "$" alone, the saved search result (RFC 5182: the
/// grammar has <c>seq-last-command</c> as the whole set, never one element of a list).
/// </summary>
public sealed class SequenceSet
{
    private readonly SequenceRange[] _ranges;

    private SequenceSet(SequenceRange[] ranges, bool isSavedResult)
    {
        _ranges = ranges;
        IsSavedResult = isSavedResult;
    }

    /// <summary>"$": the result saved by the last SEARCH RETURN (SAVE); <see cref="Ranges"/> is empty.</summary>
    public static SequenceSet SavedResult { get; } = new([], isSavedResult: true);

    public bool IsSavedResult { get; }

    /// <summary>The elements as written, in order.</summary>
    public IReadOnlyList<SequenceRange> Ranges => _ranges;

    /// <summary>True when some element uses "*".</summary>
    public bool UsesStar => Array.Exists(_ranges, r => r.First == SequenceRange.Star || r.Last == SequenceRange.Star);

    public static SequenceSet FromRanges(IEnumerable<SequenceRange> ranges) => new([.. ranges], isSavedResult: false);

    public static SequenceSet Parse(string text, int maxRanges = 10_000) =>
        TryParseSequenceSet(text, maxRanges, out var set, out var error) ? set : throw new FormatException($"Invalid sequence set ({error}).");

    public static bool TryParse(string text, out SequenceSet set) => TryParseSequenceSet(text, 10_000, out set, out _);

    /// <summary>Parses <c>sequence-set</c>; refuses 0, numbers above 4294967295, leading zeros and more than <paramref name="maxRanges"/> elements.</summary>
    public static bool TryParseSequenceSet(ReadOnlySpan<char> text, int maxRanges, out SequenceSet set, out SequenceSetError error)
    {
        set = SavedResult;
        if (text is "$")
        {
            error = SequenceSetError.None;
            return true;
        }

        var ranges = new List<SequenceRange>();
        var i = 0;
        while (true)
        {
            if (ranges.Count >= maxRanges)
            {
                error = SequenceSetError.TooManyRanges;
                return false;
            }

            if (!TryParseSeqNumber(text, ref i, out var first, out error))
            {
                return false;
            }

            var last = first;
            if (i < text.Length && text[i] == ':')
            {
                i++;
                if (!TryParseSeqNumber(text, ref i, out last, out error))
                {
                    return false;
                }
            }

            ranges.Add(new SequenceRange(first, last));
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != ',')
            {
                error = SequenceSetError.Syntax;
                return false;
            }

            i++;
        }

        set = new SequenceSet([.. ranges], isSavedResult: false);
        error = SequenceSetError.None;
        return true;
    }

    /// <summary>Whether <paramref name="number"/> is in the set when the largest number in use is <paramref name="max"/>.</summary>
    public bool Contains(uint number, uint max)
    {
        foreach (var range in _ranges)
        {
            var (low, high) = range.Resolve(max);
            if (number >= low && number <= high)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The set as disjoint ascending ranges within 1..<paramref name="max"/>: "*" becomes max,
    /// ranges are ordered, overlapping and adjacent ones merged, numbers above max dropped.
    /// </summary>
    public IReadOnlyList<SequenceRange> Normalize(uint max)
    {
        if (max == 0 || _ranges.Length == 0)
        {
            return [];
        }

        var resolved = new List<(uint Low, uint High)>(_ranges.Length);
        foreach (var range in _ranges)
        {
            var (low, high) = range.Resolve(max);
            if (low <= max)
            {
                resolved.Add((low, Math.Min(high, max)));
            }
        }

        resolved.Sort((a, b) => a.Low.CompareTo(b.Low));
        var merged = new List<SequenceRange>();
        foreach (var (low, high) in resolved)
        {
            if (merged.Count > 0 && (ulong)low <= (ulong)merged[^1].Last + 1)
            {
                var previous = merged[^1];
                merged[^1] = previous with { Last = Math.Max(previous.Last, high) };
            }
            else
            {
                merged.Add(new SequenceRange(low, high));
            }
        }

        return merged;
    }

    /// <summary>Each number of the set within 1..<paramref name="max"/>, ascending, once.</summary>
    public IEnumerable<uint> Enumerate(uint max)
    {
        foreach (var range in Normalize(max))
        {
            for (var n = (ulong)range.First; n <= range.Last; n++)
            {
                yield return (uint)n;
            }
        }
    }

    /// <summary>The set in IMAP syntax, as written (elements in the client's order).</summary>
    public override string ToString()
    {
        if (IsSavedResult)
        {
            return "$";
        }

        var builder = new StringBuilder();
        foreach (var range in _ranges)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(range.ToString());
        }

        return builder.ToString();
    }

    private static bool TryParseSeqNumber(ReadOnlySpan<char> text, ref int i, out uint value, out SequenceSetError error)
    {
        value = 0;
        if (i < text.Length && text[i] == '*')
        {
            i++;
            error = SequenceSetError.None;
            return true;
        }

        var start = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i == start)
        {
            error = SequenceSetError.Syntax;
            return false;
        }

        var digits = text[start..i];
        if (digits[0] == '0')
        {
            // nz-number: "0" is refused as zero, "01" as not the grammar.
            error = digits.Length == 1 ? SequenceSetError.Zero : SequenceSetError.Syntax;
            return false;
        }

        if (digits.Length > 10 || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            error = SequenceSetError.Overflow;
            return false;
        }

        error = SequenceSetError.None;
        return true;
    }
}
