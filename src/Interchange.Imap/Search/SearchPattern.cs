namespace Interchange.Imap.Search;

/// <summary>
/// A SEARCH string, ready for matching in time linear in the text searched: case-folded once and
/// with its Knuth–Morris–Pratt failure table, so a long pattern over a long text costs at most
/// two comparisons per character of text instead of one per character of pattern.
/// <para>
/// Case folding (the rule this server applies, listed in docs/RFCs.md): every UTF-16 code unit is mapped by <see cref="char.ToUpperInvariant"/>,
/// one unit to one unit. Lengths never change, so a position in the folded text is a position in
/// the original and a match can straddle any two windows of a stream. Mappings that change length
/// (German ß to SS) and case pairs outside the Basic Multilingual Plane are not folded: the
/// same units as <see cref="StringComparison.OrdinalIgnoreCase"/> compares, which this replaced.
/// </para>
/// </summary>
public sealed class SearchPattern
{
    private readonly string _folded;
    private readonly int[] _failure;

    public SearchPattern(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
        _folded = string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = Fold(source[i]);
            }
        });
        _failure = BuildFailure(_folded);
    }

    /// <summary>The string as the client sent it.</summary>
    public string Text { get; }

    public int Length => _folded.Length;

    /// <summary>The folding applied to text and pattern alike.</summary>
    public static char Fold(char c) => c < 0x80 ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : char.ToUpperInvariant(c);

    /// <summary>Whether the pattern occurs in <paramref name="text"/> (an empty pattern occurs everywhere).</summary>
    public bool IsFoundIn(ReadOnlySpan<char> text)
    {
        var scanner = CreateScanner();
        scanner.Feed(text);
        return scanner.Found;
    }

    /// <summary>A scanner for text that arrives in pieces; each piece continues where the last ended.</summary>
    public SearchScanner CreateScanner() => new(this);

    internal char FoldedAt(int index) => _folded[index];

    internal int FailureAt(int index) => _failure[index];

    // _failure[i]: the length of the longest proper prefix of pattern[0..i] that is also its suffix.
    private static int[] BuildFailure(string pattern)
    {
        var failure = new int[pattern.Length];
        var k = 0;
        for (var i = 1; i < pattern.Length; i++)
        {
            while (k > 0 && pattern[i] != pattern[k])
            {
                k = failure[k - 1];
            }

            if (pattern[i] == pattern[k])
            {
                k++;
            }

            failure[i] = k;
        }

        return failure;
    }
}
