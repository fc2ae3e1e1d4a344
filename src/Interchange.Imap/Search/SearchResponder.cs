using System.Text;
using Interchange.Imap.Protocol;

namespace Interchange.Imap.Search;

/// <summary>
/// Writes the untagged answer to a search: <c>* SEARCH n...</c> (RFC 3501 §7.2.5, with
/// <c>(MODSEQ n)</c> per RFC 7162 §3.1.5), or <c>* ESEARCH (TAG "t") [UID] MIN MAX COUNT ALL
/// [MODSEQ]</c> (RFC 4731, RFC 9051 §7.3.4), and tells the caller what RETURN (SAVE) keeps.
/// </summary>
public static class SearchResponder
{
    /// <summary>
    /// Writes the response for <paramref name="matches"/> (any order) and returns the UIDs to
    /// save for "$" when the program has RETURN (SAVE), else null. <paramref name="extended"/>
    /// forces ESEARCH without RETURN (IMAP4rev2 sessions, where SEARCH means RETURN (ALL)).
    /// </summary>
    public static IReadOnlyList<uint>? Write(ImapResponseWriter writer, string tag, SearchProgram program, IReadOnlyList<SearchMatch> matches, bool uid, bool extended = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(matches);
        var sorted = matches.OrderBy(m => m.Number).ToArray();
        var options = program.ReturnOptions;
        if (!program.IsExtended && extended)
        {
            options = SearchReturnOptions.All;
        }

        var save = options.HasFlag(SearchReturnOptions.Save);
        var results = options & ~SearchReturnOptions.Save;
        IReadOnlyList<uint>? saved = save ? SavedUids(sorted, results) : null;

        if (!program.IsExtended && !extended)
        {
            writer.Untagged().Atom("SEARCH");
            foreach (var match in sorted)
            {
                writer.Number(match.Number);
            }

            if (program.UsesModSeq && sorted.Length > 0)
            {
                writer.BeginList().Atom("MODSEQ").Number(sorted.Max(m => m.ModSeq)).EndList();
            }

            writer.EndLine();
            return saved;
        }

        if (save && results == SearchReturnOptions.None)
        {
            // RFC 5182 §2.1: SAVE alone returns nothing; the client refers to "$" later.
            return saved;
        }

        writer.Untagged().Atom("ESEARCH").BeginList().Atom("TAG").String(tag).EndList();
        if (uid)
        {
            writer.Atom("UID");
        }

        if (sorted.Length > 0)
        {
            if (results.HasFlag(SearchReturnOptions.Min))
            {
                writer.Atom("MIN").Number(sorted[0].Number);
            }

            if (results.HasFlag(SearchReturnOptions.Max))
            {
                writer.Atom("MAX").Number(sorted[^1].Number);
            }
        }

        if (results.HasFlag(SearchReturnOptions.Count))
        {
            writer.Atom("COUNT").Number((ulong)sorted.Length);
        }

        if (sorted.Length > 0)
        {
            if (results.HasFlag(SearchReturnOptions.All))
            {
                writer.Atom("ALL").Atom(Compact(sorted.Select(m => m.Number)));
            }

            if (program.UsesModSeq)
            {
                writer.Atom("MODSEQ").Number(ReportedModSeq(sorted, results));
            }
        }

        writer.EndLine();
        return saved;
    }

    /// <summary>Ascending numbers as a sequence set with ranges: 1:3,5,7:8.</summary>
    public static string Compact(IEnumerable<uint> ascending)
    {
        ArgumentNullException.ThrowIfNull(ascending);
        var builder = new StringBuilder();
        uint start = 0;
        uint last = 0;
        var any = false;
        foreach (var n in ascending.Distinct())
        {
            if (any && n == last + 1)
            {
                last = n;
                continue;
            }

            if (any)
            {
                Append(builder, start, last);
            }

            (start, last, any) = (n, n, true);
        }

        if (any)
        {
            Append(builder, start, last);
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, uint start, uint last)
    {
        if (builder.Length > 0)
        {
            builder.Append(',');
        }

        builder.Append(new SequenceRange(start, last).ToString());
    }

    // RFC 5182 §2.1: SAVE with MIN and/or MAX only saves those messages; otherwise all matches.
    private static uint[] SavedUids(SearchMatch[] sorted, SearchReturnOptions results)
    {
        if (sorted.Length == 0)
        {
            return [];
        }

        if (results is SearchReturnOptions.Min or SearchReturnOptions.Max or (SearchReturnOptions.Min | SearchReturnOptions.Max))
        {
            var picked = new List<uint>();
            if (results.HasFlag(SearchReturnOptions.Min))
            {
                picked.Add(sorted[0].Uid);
            }

            if (results.HasFlag(SearchReturnOptions.Max) && (picked.Count == 0 || sorted[^1].Uid != picked[0]))
            {
                picked.Add(sorted[^1].Uid);
            }

            return [.. picked];
        }

        return [.. sorted.Select(m => m.Uid)];
    }

    // RFC 7162 §3.1.5 (as updated for ESEARCH): with only MIN and/or MAX, the highest
    // mod-sequence of the messages reported; otherwise of all that matched.
    private static ulong ReportedModSeq(SearchMatch[] sorted, SearchReturnOptions results) =>
        results is SearchReturnOptions.Min or SearchReturnOptions.Max or (SearchReturnOptions.Min | SearchReturnOptions.Max)
            ? Math.Max(results.HasFlag(SearchReturnOptions.Min) ? sorted[0].ModSeq : 0, results.HasFlag(SearchReturnOptions.Max) ? sorted[^1].ModSeq : 0)
            : sorted.Max(m => m.ModSeq);
}
