using System.Buffers;
using System.Text;
using Interchange.Imap.Protocol;
using Interchange.Imap.Search;
using Shouldly;
using static Interchange.Tests.Imap.Fetch.FetchTestSupport;

namespace Interchange.Tests.Imap.Search;

public sealed class SearchResponderTests
{
    private static readonly SearchMatch[] Matches = [new(5, 50, 7), new(1, 10, 3), new(2, 20, 9), new(3, 30, 1)];

    private static (string Output, IReadOnlyList<uint>? Saved) Run(string program, IReadOnlyList<SearchMatch> matches, bool uid = false, bool extended = false)
    {
        SearchProgram.TryParse(Command("t1 SEARCH " + program).Arguments, out var parsed, out var error).ShouldBeTrue(error);
        var output = new ArrayBufferWriter<byte>();
        var saved = SearchResponder.Write(new ImapResponseWriter(output), "t1", parsed, matches, uid, extended);
        return (Encoding.ASCII.GetString(output.WrittenSpan), saved);
    }

    [Fact]
    public void Search_ListsNumbersAscending()
    {
        Run("ALL", Matches).ShouldBe(("* SEARCH 1 2 3 5\r\n", null));
        Run("ALL", []).Output.ShouldBe("* SEARCH\r\n");
        Run("MODSEQ 1", Matches).Output.ShouldBe("* SEARCH 1 2 3 5 (MODSEQ 9)\r\n");
        Run("MODSEQ 1", []).Output.ShouldBe("* SEARCH\r\n");
    }

    [Fact]
    public void Esearch_ReturnOptions()
    {
        Run("RETURN (MIN MAX COUNT ALL) ALL", Matches, uid: true).Output.ShouldBe("* ESEARCH (TAG \"t1\") UID MIN 1 MAX 5 COUNT 4 ALL 1:3,5\r\n");
        Run("RETURN () ALL", Matches).Output.ShouldBe("* ESEARCH (TAG \"t1\") ALL 1:3,5\r\n");
        Run("RETURN (MIN MAX COUNT ALL) ALL", []).Output.ShouldBe("* ESEARCH (TAG \"t1\") COUNT 0\r\n");
        Run("RETURN (COUNT) MODSEQ 1", Matches).Output.ShouldBe("* ESEARCH (TAG \"t1\") COUNT 4 MODSEQ 9\r\n");
        Run("RETURN (MIN) MODSEQ 1", Matches).Output.ShouldBe("* ESEARCH (TAG \"t1\") MIN 1 MODSEQ 3\r\n");
        Run("ALL", Matches, extended: true).Output.ShouldBe("* ESEARCH (TAG \"t1\") ALL 1:3,5\r\n");
    }

    [Fact]
    public void Save()
    {
        var (output, saved) = Run("RETURN (SAVE) ALL", Matches);
        output.ShouldBeEmpty();
        saved.ShouldBe([10u, 20u, 30u, 50u]);
        (output, saved) = Run("RETURN (SAVE MIN) ALL", Matches);
        output.ShouldBe("* ESEARCH (TAG \"t1\") MIN 1\r\n");
        saved.ShouldBe([10u]);
        Run("RETURN (SAVE MIN MAX) ALL", Matches).Saved.ShouldBe([10u, 50u]);
        Run("RETURN (SAVE COUNT) ALL", Matches).Saved!.Count.ShouldBe(4);
        Run("RETURN (SAVE) ALL", []).Saved.ShouldBe([]);
    }

    [Theory]
    [InlineData(new uint[] { }, "")]
    [InlineData(new uint[] { 4 }, "4")]
    [InlineData(new uint[] { 1, 2, 3, 7, 9, 10, 4294967295 }, "1:3,7,9:10,4294967295")]
    public void Compact(uint[] numbers, string expected) => SearchResponder.Compact(numbers).ShouldBe(expected);
}
