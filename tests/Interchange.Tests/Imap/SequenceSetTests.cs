using Interchange.Imap.Protocol;
using Shouldly;

namespace Interchange.Tests.Imap;

public sealed class SequenceSetTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("1:5,7,9:*", "1:5,7,9:*")]
    [InlineData("5:2", "5:2")]                       // either order (RFC 3501 §9)
    [InlineData("*", "*")]
    [InlineData("*:4", "*:4")]
    [InlineData("$", "$")]                           // RFC 5182
    [InlineData("4294967295", "4294967295")]
    [InlineData("1:4294967295", "1:4294967295")]
    public void ParsesValidSets(string text, string written)
    {
        SequenceSet.TryParse(text, out var set).ShouldBeTrue();
        set.ToString().ShouldBe(written);
    }

    [Theory]
    [InlineData("", SequenceSetError.Syntax)]
    [InlineData("0", SequenceSetError.Zero)]
    [InlineData("1:0", SequenceSetError.Zero)]
    [InlineData("01", SequenceSetError.Syntax)]
    [InlineData("4294967296", SequenceSetError.Overflow)]
    [InlineData("99999999999999999999", SequenceSetError.Overflow)]
    [InlineData("1,", SequenceSetError.Syntax)]
    [InlineData(",1", SequenceSetError.Syntax)]
    [InlineData("1::2", SequenceSetError.Syntax)]
    [InlineData("1:2:3", SequenceSetError.Syntax)]
    [InlineData("1:5,7,9:*,$", SequenceSetError.Syntax)]   // "$" is a whole set, never one element (RFC 5182 grammar)
    [InlineData("$,1", SequenceSetError.Syntax)]
    [InlineData("-1", SequenceSetError.Syntax)]
    [InlineData("1 ", SequenceSetError.Syntax)]
    [InlineData("**", SequenceSetError.Syntax)]
    public void RefusesInvalidSets(string text, SequenceSetError expected)
    {
        SequenceSet.TryParseSequenceSet(text, 10_000, out _, out var error).ShouldBeFalse();
        error.ShouldBe(expected);
    }

    [Fact]
    public void RangeLimit_IsExact()
    {
        var hundredThousand = string.Join(',', Enumerable.Range(1, 100_000));
        SequenceSet.TryParseSequenceSet(hundredThousand, 10_000, out _, out var error).ShouldBeFalse();
        error.ShouldBe(SequenceSetError.TooManyRanges);
        SequenceSet.TryParseSequenceSet(string.Join(',', Enumerable.Range(1, 3)), 3, out _, out _).ShouldBeTrue();
        SequenceSet.TryParseSequenceSet(string.Join(',', Enumerable.Range(1, 4)), 3, out _, out error).ShouldBeFalse();
        error.ShouldBe(SequenceSetError.TooManyRanges);
    }

    [Theory]
    [InlineData("1:3,7", 10u, new uint[] { 1, 2, 3, 7 })]
    [InlineData("5:2", 10u, new uint[] { 2, 3, 4, 5 })]
    [InlineData("8:*", 10u, new uint[] { 8, 9, 10 })]
    [InlineData("*:8", 10u, new uint[] { 8, 9, 10 })]
    [InlineData("*", 10u, new uint[] { 10 })]
    [InlineData("12:*", 10u, new uint[] { 10 })]     // "*" is 10: the range is 10:12, of which 10 exists
    [InlineData("12:15", 10u, new uint[0])]
    [InlineData("3,1:2,2,3", 10u, new uint[] { 1, 2, 3 })]
    [InlineData("1:*", 0u, new uint[0])]
    public void Enumerates_WithinTheMax_AscendingAndOnce(string text, uint max, uint[] expected) =>
        SequenceSet.Parse(text).Enumerate(max).ShouldBe(expected);

    [Fact]
    public void Normalizes_MergingOverlappingAndAdjacentRanges()
    {
        SequenceSet.Parse("9:7,1,2,4:5,3,20:*").Normalize(30).ShouldBe([new SequenceRange(1, 5), new SequenceRange(7, 9), new SequenceRange(20, 30)]);
        SequenceSet.Parse("4294967295,1:4294967294").Normalize(uint.MaxValue).ShouldBe([new SequenceRange(1, uint.MaxValue)]);
        SequenceSet.Parse("5:*").Normalize(3).ShouldBe([new SequenceRange(3, 3)]);
    }

    [Fact]
    public void Contains_ResolvesStarAgainstTheMax()
    {
        var set = SequenceSet.Parse("2:4,*");
        set.Contains(3, 10).ShouldBeTrue();
        set.Contains(10, 10).ShouldBeTrue();
        set.Contains(9, 10).ShouldBeFalse();
        set.Contains(9, 9).ShouldBeTrue();
        set.Contains(1, 10).ShouldBeFalse();
        SequenceSet.Parse("4294967295").Contains(uint.MaxValue, 5).ShouldBeTrue();
        set.UsesStar.ShouldBeTrue();
        SequenceSet.Parse("1:2").UsesStar.ShouldBeFalse();
    }

    [Fact]
    public void Enumerates_AtTheTopOfTheRange_WithoutOverflow() =>
        SequenceSet.Parse("4294967294:*").Enumerate(uint.MaxValue).ShouldBe([4294967294u, 4294967295u]);
}
