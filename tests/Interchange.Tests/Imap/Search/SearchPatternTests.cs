using Interchange.Imap.Search;
using Shouldly;

namespace Interchange.Tests.Imap.Search;

public sealed class SearchPatternTests
{
    [Theory]
    [InlineData("Hello World", "WORLD", true)]
    [InlineData("Hello World", "o w", true)]
    [InlineData("Hello World", "worlds", false)]
    [InlineData("Grüße aus Köln", "GRÜSSE", false)] // ß→SS changes length: not folded (documented)
    [InlineData("Grüße aus Köln", "GRÜẞE", false)]
    [InlineData("Grüße aus Köln", "KÖLN", true)]
    [InlineData("ΣΊΣΥΦΟΣ", "σίσυφος", true)]
    [InlineData("abc", "", true)]
    [InlineData("", "a", false)]
    [InlineData("aaaaab", "aab", true)]
    [InlineData("abababc", "ababc", true)]
    public void Finds_AsOrdinalIgnoreCaseWould(string text, string pattern, bool expected)
    {
        new SearchPattern(pattern).IsFoundIn(text).ShouldBe(expected);
        text.Contains(pattern, StringComparison.OrdinalIgnoreCase).ShouldBe(expected, "the folding agrees with what the old matcher did");
    }

    [Fact]
    public void AgreesWithOrdinalIgnoreCase_OnRandomText()
    {
        // A small alphabet with case pairs makes partial matches and fallbacks frequent.
        var random = new Random(7);
        const string alphabet = "aAbBßéÉ ";
        for (var round = 0; round < 2000; round++)
        {
            var text = Random(random, alphabet, random.Next(0, 40));
            var pattern = Random(random, alphabet, random.Next(1, 6));
            new SearchPattern(pattern).IsFoundIn(text).ShouldBe(text.Contains(pattern, StringComparison.OrdinalIgnoreCase), $"'{pattern}' in '{text}'");
        }
    }

    [Fact]
    public void FindsAMatch_SplitAcrossPieces_AtEveryPoint()
    {
        const string text = "xxabcABCabcdyy";
        var pattern = new SearchPattern("abcABCABCD");
        for (var first = 0; first <= text.Length; first++)
        {
            for (var second = first; second <= text.Length; second++)
            {
                var scanner = pattern.CreateScanner();
                scanner.Feed(text.AsSpan(0, first));
                scanner.Feed(text.AsSpan(first, second - first));
                scanner.Feed(text.AsSpan(second)).ShouldBeTrue($"split at {first} and {second}");
            }
        }
    }

    [Fact]
    public void Break_StopsAMatchFromRunningIntoTheNextText()
    {
        var scanner = new SearchPattern("ab").CreateScanner();
        scanner.Feed("xa");
        scanner.Break();
        scanner.Feed("bx").ShouldBeFalse();
    }

    [Fact]
    public void SixteenThousandCharPattern_Over1MiB_CostsAtMostTwoComparisonsPerCharacter()
    {
        // The worst case for a naive matcher: every position matches all but the last character
        // (a plain Contains did about 16,000 x 1 MiB comparisons here: 17 s per message).
        var text = new string('a', 1024 * 1024);
        var pattern = new SearchPattern(new string('A', 15_999) + "B");
        var scanner = pattern.CreateScanner();
        scanner.Feed(text).ShouldBeFalse();
        scanner.Comparisons.ShouldBeLessThanOrEqualTo(2L * text.Length);

        // Linear: twice the text costs twice the work, not more.
        var twice = pattern.CreateScanner();
        twice.Feed(text);
        twice.Feed(text);
        twice.Comparisons.ShouldBeLessThanOrEqualTo((2 * scanner.Comparisons) + pattern.Length);
    }

    private static string Random(Random random, string alphabet, int length) =>
        new(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
}
