namespace Interchange.Imap.Search;

/// <summary>
/// One pass of a <see cref="SearchPattern"/> over text fed in pieces (a decoded body read through
/// a fixed window): the matched prefix length is carried from one piece to the next, so a match
/// across two pieces is found, and each character of text is compared at most twice (amortised).
/// </summary>
public sealed class SearchScanner
{
    private readonly SearchPattern _pattern;
    private int _matched;

    internal SearchScanner(SearchPattern pattern)
    {
        _pattern = pattern;
        Found = pattern.Length == 0;
    }

    public SearchPattern Pattern => _pattern;

    /// <summary>True once the pattern has occurred in the text fed so far.</summary>
    public bool Found { get; private set; }

    /// <summary>Character comparisons made so far: the work, for tests that show it is linear.</summary>
    public long Comparisons { get; private set; }

    /// <summary>Feeds the next piece of (unfolded) text; returns <see cref="Found"/>.</summary>
    public bool Feed(ReadOnlySpan<char> text)
    {
        if (Found)
        {
            return true;
        }

        var length = _pattern.Length;
        var matched = _matched;
        long comparisons = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = SearchPattern.Fold(text[i]);
            while (true)
            {
                comparisons++;
                if (_pattern.FoldedAt(matched) == c)
                {
                    matched++;
                    break;
                }

                if (matched == 0)
                {
                    break;
                }

                matched = _pattern.FailureAt(matched - 1);
            }

            if (matched == length)
            {
                Found = true;
                break;
            }
        }

        _matched = matched;
        Comparisons += comparisons;
        return Found;
    }

    /// <summary>Ends the current text: what follows (another header field, another part) cannot complete a match begun here.</summary>
    public void Break() => _matched = 0;
}
