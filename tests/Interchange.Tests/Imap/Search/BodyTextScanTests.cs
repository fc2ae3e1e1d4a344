using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Interchange.Imap.Search;
using Interchange.Mime.Parsing;
using Shouldly;
using static Interchange.Tests.Imap.Fetch.FetchTestSupport;

namespace Interchange.Tests.Imap.Search;

public sealed class BodyTextScanTests
{
    [Fact]
    public void FindsText_ThatStraddlesTheWindow_InABase64Part()
    {
        // The word starts a few characters before the 16 KiB window ends, in decoded text.
        var text = new string('x', BodyTextScan.WindowBytes - 3) + "needle" + new string('y', 100);
        var message = Crlf("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n")
            .Concat(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(text), Base64FormattingOptions.InsertLineBreaks))).ToArray();
        Find(message, "NEEDLE", "xneedley", "absent").ShouldBe([true, true, false]);
    }

    [Fact]
    public void UnlabelledText_ReadsAsUtf8WhenValid_ElseLatin1()
    {
        var utf8 = Crlf("Subject: a\n\ncaf\u00e9 au lait\n");
        Find(utf8, "CAFÉ").ShouldBe([true]);

        var latin1 = Encoding.ASCII.GetBytes("Subject: a\r\n\r\n").Concat(Encoding.Latin1.GetBytes("caf\u00e9 au lait\r\n")).ToArray();
        Find(latin1, "CAFÉ").ShouldBe([true]);
    }

    [Fact]
    public void InvalidUtf8_LateInAPart_MakesTheLatin1ReadingCount()
    {
        // Valid UTF-8 for two windows, then a lone 0xE9: the whole part is Latin-1, as
        // MimeCharsets.Decode reads it, so "Ã©" (UTF-8 é read as Latin-1) is what it says.
        var head = Encoding.UTF8.GetBytes("caf\u00e9 " + new string('z', 2 * BodyTextScan.WindowBytes));
        var message = Encoding.ASCII.GetBytes("Subject: a\r\n\r\n").Concat(head).Concat(new byte[] { 0xE9, 0x0D, 0x0A }).ToArray();
        Find(message, "café", "cafÃ©").ShouldBe([false, true]);
    }

    [Fact]
    public void Budget_IsChargedPerPart_BeforeReading()
    {
        var message = Crlf("Subject: a\n\n" + new string('q', 5000) + "\n");
        var fetchable = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], message);
        var budget = new SearchBudget(4000);
        Should.Throw<SearchLimitExceededException>(() => BodyTextScan.Scan(fetchable.GetStructure(), fetchable.OpenRange, [new SearchPattern("q")], new bool[1], budget));
        budget.Used.ShouldBe(0);

        var enough = new SearchBudget(10_000);
        var found = new bool[1];
        BodyTextScan.Scan(fetchable.GetStructure(), fetchable.OpenRange, [new SearchPattern("q")], found, enough);
        found[0].ShouldBeTrue();
        enough.Used.ShouldBe(fetchable.GetStructure().Root.BodyOctets);
    }

    [Fact]
    public void SearchProgram_RefusesAStringOverTheLimit_AsTooLong()
    {
        var arguments = Command("a SEARCH TEXT " + new string('a', 1001)).Arguments;
        SearchProgram.TryParse(arguments, 1000, out _, out var error, out var badCharset, out var tooLong).ShouldBeFalse();
        tooLong.ShouldBeTrue();
        badCharset.ShouldBeFalse();
        error.ShouldContain("1000");

        SearchProgram.TryParse(Command("a SEARCH TEXT " + new string('a', 1000)).Arguments, 1000, out _, out _, out _, out tooLong).ShouldBeTrue();
        tooLong.ShouldBeFalse();
    }

    [Fact]
    public void SearchProgram_ReadsTheBodyOnce_ForAllItsStrings()
    {
        var message = Crlf("Subject: a\n\n" + new string('q', 5000) + " alpha beta\n");
        var fetchable = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], message);
        var budget = new SearchBudget(long.MaxValue);
        var searchable = new SearchableMessage(fetchable, 1, 1, budget);
        SearchProgram.TryParse(Command("a SEARCH BODY alpha TEXT beta NOT BODY gamma").Arguments, out var program, out var error).ShouldBeTrue(error);
        program.Matches(searchable).ShouldBeTrue();
        var body = fetchable.GetStructure().Root.BodyOctets;
        budget.Used.ShouldBeInRange(3 * body, (3 * body) + 100, "one read of the body, charged as the work of three strings, plus TEXT's pass over the header");
    }

    [Fact]
    public void Budget_IsChargedForEveryString_SoManyStringsCannotMultiplyTheWorkUnbounded()
    {
        // The bytes alone fit the budget; 500 strings over them do not (the attack: 500 NOT TEXT keys).
        var message = Crlf("Subject: a\n\n" + new string('q', 5000) + "\n");
        var fetchable = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], message);
        var patterns = Enumerable.Range(0, 500).Select(i => new SearchPattern("absent" + i)).ToList();
        var budget = new SearchBudget(100 * 5002);
        Should.Throw<SearchLimitExceededException>(() => BodyTextScan.Scan(fetchable.GetStructure(), fetchable.OpenRange, patterns, new bool[patterns.Count], budget));
        budget.Used.ShouldBe(0, "refused before any work");
    }

    [Fact]
    public void Header_keys_are_charged_too()
    {
        var subject = new string('s', 900);
        var message = Crlf("Subject: " + subject + "\n\nbody\n");
        var fetchable = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], message);
        // NOT: every key holds, so none short-circuits the others (the attack's shape).
        var keys = string.Join(' ', Enumerable.Range(0, 200).Select(i => "NOT SUBJECT absent" + i));
        SearchProgram.TryParse(Command("a SEARCH " + keys).Arguments, out var program, out var error).ShouldBeTrue(error);

        Should.Throw<SearchLimitExceededException>(() => program.Matches(new SearchableMessage(fetchable, 1, 1, new SearchBudget(100 * 900))));
        var enough = new SearchBudget(long.MaxValue);
        program.Matches(new SearchableMessage(fetchable, 1, 1, enough)).ShouldBeTrue();
        enough.Used.ShouldBe(200 * 900, "each SUBJECT key is a pass over the subject");
    }

    [Fact]
    public void A_search_stops_when_its_session_ends()
    {
        var message = Crlf("Subject: a\n\n" + new string('q', 100_000) + "\n");
        var fetchable = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], message);
        using var ended = new CancellationTokenSource();
        ended.Cancel();
        Should.Throw<OperationCanceledException>(() => BodyTextScan.Scan(fetchable.GetStructure(), fetchable.OpenRange, [new SearchPattern("absent")], new bool[1], new SearchBudget(long.MaxValue, ended.Token)));
    }

    private static bool[] Find(byte[] message, params string[] patterns)
    {
        var fetchable = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], message);
        var found = new bool[patterns.Length];
        BodyTextScan.Scan(fetchable.GetStructure(), fetchable.OpenRange, patterns.Select(p => new SearchPattern(p)).ToList(), found, SearchBudget.Unlimited);
        return found;
    }
}
