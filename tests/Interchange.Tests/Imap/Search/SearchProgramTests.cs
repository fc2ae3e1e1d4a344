using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Interchange.Imap.Search;
using Shouldly;
using static Interchange.Tests.Imap.Fetch.FetchTestSupport;

namespace Interchange.Tests.Imap.Search;

public sealed class SearchProgramTests
{
    private static readonly SearchableMessage[] Messages =
    [
        Make(1, 10, ["\\Seen", "\\Answered", "\\Recent"], new DateTimeOffset(1994, 2, 1, 10, 0, 0, TimeSpan.Zero), 5, """
            From: Alice <alice@example.com>
            To: Bob <bob@x.test>
            Subject: Hello =?utf-8?q?W=C3=B6rld?=
            Date: Mon, 31 Jan 1994 23:00:00 +0000
            X-Priority: 1

            The quick brown fox
            """),
        Make(2, 20, ["\\Flagged", "$Work", "\\Recent"], new DateTimeOffset(1994, 2, 2, 8, 0, 0, TimeSpan.Zero), 9, """
            From: Bob <bob@x.test>
            To: alice@example.com
            Cc: Carol <carol@y.test>
            Subject: Lunch
            Date: Wed, 2 Feb 1994 08:00:00 +0100
            Content-Type: multipart/alternative; boundary=zz

            --zz
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            Caf=C3=A9 menu
            --zz
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: base64

            bmHvdmU=
            --zz
            Content-Type: image/png
            Content-Transfer-Encoding: base64

            c2VjcmV0
            --zz--
            """),
        Make(3, 30, ["\\Deleted", "\\Draft"], new DateTimeOffset(1994, 2, 3, 23, 30, 0, TimeSpan.FromHours(-5)), 12, """
            From: Dave <dave@z.test>
            Bcc: eve@z.test
            Subject: Report

            """ + new string('x', 2000) + "\n"),
    ];

    private static SearchableMessage Make(uint seq, uint uid, string[] flags, DateTimeOffset date, ulong modSeq, string text) =>
        new(FetchableMessage.FromBytes(seq, uid, flags, date, modSeq, [], Crlf(text)), 3, 30);

    private static SearchProgram Parse(string program, out string error, out bool badCharset)
    {
        var arguments = Command("a SEARCH " + program).Arguments;
        SearchProgram.TryParse(arguments, out var parsed, out error, out badCharset).ShouldBeTrue(error);
        return parsed;
    }

    private static string Run(string program, IReadOnlySet<uint>? saved = null) =>
        string.Join(' ', Messages.Where(m => Parse(program, out _, out _).Matches(m, saved)).Select(m => m.SequenceNumber));

    [Theory]
    [InlineData("ALL", "1 2 3")]
    [InlineData("ANSWERED", "1")]
    [InlineData("UNANSWERED", "2 3")]
    [InlineData("DELETED", "3")]
    [InlineData("UNDELETED", "1 2")]
    [InlineData("DRAFT", "3")]
    [InlineData("UNDRAFT", "1 2")]
    [InlineData("FLAGGED", "2")]
    [InlineData("UNFLAGGED", "1 3")]
    [InlineData("SEEN", "1")]
    [InlineData("unseen", "2 3")]
    [InlineData("KEYWORD $work", "2")]
    [InlineData("UNKEYWORD $Work", "1 3")]
    [InlineData("RECENT", "1 2")]                   // \\Recent is among the flags where the session shows it
    [InlineData("NEW", "2")]
    [InlineData("OLD", "3")]
    [InlineData("BEFORE 2-Feb-1994", "1")]
    [InlineData("ON 2-Feb-1994", "2")]
    [InlineData("ON 03-feb-1994", "3")]
    [InlineData("SINCE \"2-Feb-1994\"", "2 3")]
    [InlineData("SENTBEFORE 1-Feb-1994", "1")]
    [InlineData("SENTON 2-Feb-1994", "2")]
    [InlineData("SENTSINCE 2-Feb-1994", "2 3")]
    [InlineData("LARGER 1000", "3")]
    [InlineData("SMALLER 1000", "1 2")]
    [InlineData("FROM alice", "1")]
    [InlineData("FROM \"BOB@X\"", "2")]
    [InlineData("TO alice", "2")]
    [InlineData("CC carol", "2")]
    [InlineData("BCC eve", "3")]
    [InlineData("FROM \"Alice <alice@example.com>\"", "1")]
    [InlineData("TO \"Bob <bob@x.test>\"", "1")]
    [InlineData("SUBJECT \"wörld\"", "1")]
    [InlineData("SUBJECT \"hello w\"", "1")]
    [InlineData("HEADER X-Priority 1", "1")]
    [InlineData("HEADER x-priority \"\"", "1")]
    [InlineData("HEADER Subject lunch", "2")]
    [InlineData("BODY QUICK", "1")]
    [InlineData("BODY \"café\"", "2")]
    [InlineData("BODY \"naïve\"", "2")]
    [InlineData("BODY secret", "")]
    [InlineData("BODY lunch", "")]
    [InlineData("TEXT lunch", "2")]
    [InlineData("TEXT fox", "1")]
    [InlineData("TEXT x-priority", "1")]
    [InlineData("2", "2")]
    [InlineData("2:*", "2 3")]
    [InlineData("*", "3")]
    [InlineData("1,3", "1 3")]
    [InlineData("UID 20", "2")]
    [InlineData("UID 15:*", "2 3")]
    [InlineData("UID 1:5", "")]
    [InlineData("NOT SEEN", "2 3")]
    [InlineData("NOT NOT SEEN", "1")]
    [InlineData("OR SEEN FLAGGED", "1 2")]
    [InlineData("OR (SEEN ANSWERED) DELETED", "1 3")]
    [InlineData("SEEN ANSWERED", "1")]
    [InlineData("(SEEN) (UNDELETED)", "1")]
    [InlineData("((((ALL))))", "1 2 3")]
    [InlineData("MODSEQ 9", "2 3")]
    [InlineData("MODSEQ \"/flags/\\\\Seen\" all 6", "2 3")]
    [InlineData("CHARSET UTF-8 SUBJECT \"wörld\"", "1")]
    [InlineData("charset us-ascii ALL", "1 2 3")]
    [InlineData("RETURN (COUNT) UNSEEN", "2 3")]
    public void Table(string program, string expected) => Run(program).ShouldBe(expected);

    [Fact]
    public void SavedResult()
    {
        Run("$", new HashSet<uint> { 10, 30 }).ShouldBe("1 3");
        Run("UID $", new HashSet<uint> { 20 }).ShouldBe("2");
        Run("$").ShouldBe(string.Empty);
        Parse("UID $ SEEN", out _, out _).UsesSavedResult.ShouldBeTrue();
        Parse("SEEN", out _, out _).UsesSavedResult.ShouldBeFalse();
    }

    [Fact]
    public void ModSeq_IsReported()
    {
        Parse("MODSEQ 1", out _, out _).UsesModSeq.ShouldBeTrue();
        Parse("OR SEEN NOT MODSEQ 1", out _, out _).UsesModSeq.ShouldBeTrue();
        Parse("SEEN", out _, out _).UsesModSeq.ShouldBeFalse();
    }

    [Theory]
    [InlineData("ALL", SearchReturnOptions.None, false)]
    [InlineData("RETURN () ALL", SearchReturnOptions.All, true)]
    [InlineData("RETURN (MIN MAX) ALL", SearchReturnOptions.Min | SearchReturnOptions.Max, true)]
    [InlineData("RETURN (count all save) ALL", SearchReturnOptions.Count | SearchReturnOptions.All | SearchReturnOptions.Save, true)]
    [InlineData("RETURN (SAVE) CHARSET UTF-8 ALL", SearchReturnOptions.Save, true)]
    public void ReturnOptions(string program, SearchReturnOptions expected, bool extended)
    {
        var parsed = Parse(program, out _, out _);
        parsed.ReturnOptions.ShouldBe(expected);
        parsed.IsExtended.ShouldBe(extended);
    }

    [Theory]
    [InlineData("CHARSET ISO-8859-1 ALL")]
    [InlineData("CHARSET \"KOI8-R\" FROM x")]
    [InlineData("RETURN (ALL) CHARSET BIG5 ALL")]
    public void UnsupportedCharset_IsFlagged(string program)
    {
        SearchProgram.TryParse(Command("a SEARCH " + program).Arguments, out _, out var error, out var badCharset).ShouldBeFalse();
        badCharset.ShouldBeTrue();
        error.ShouldContain("charset", Case.Insensitive);
        ImapResponseCode.BadCharset(SearchProgram.SupportedCharsets).ToString().ShouldBe("BADCHARSET (UTF-8 US-ASCII)");
    }

    [Theory]
    [InlineData("FOO")]
    [InlineData("SEEN FOO")]
    [InlineData("()")]
    [InlineData("RETURN")]
    [InlineData("RETURN ALL")]
    [InlineData("RETURN (ALL)")]
    [InlineData("RETURN (PARTIAL 1:10) ALL")]
    [InlineData("CHARSET")]
    [InlineData("CHARSET UTF-8")]
    [InlineData("CHARSET (UTF-8) ALL")]
    [InlineData("BEFORE")]
    [InlineData("BEFORE 1994-02-01")]
    [InlineData("BEFORE 32-Feb-1994")]
    [InlineData("ON 1-Foo-1994")]
    [InlineData("LARGER")]
    [InlineData("LARGER x")]
    [InlineData("SMALLER -1")]
    [InlineData("FROM")]
    [InlineData("FROM (a)")]
    [InlineData("HEADER Subject")]
    [InlineData("HEADER \"\" x")]
    [InlineData("KEYWORD")]
    [InlineData("KEYWORD \\Seen")]
    [InlineData("UID")]
    [InlineData("UID x")]
    [InlineData("UID 0")]
    [InlineData("NOT")]
    [InlineData("OR SEEN")]
    [InlineData("MODSEQ")]
    [InlineData("MODSEQ x")]
    [InlineData("MODSEQ \"/flags/\\\\Seen\" 5")]
    [InlineData("MODSEQ \"/flags/\\\\Seen\" bogus 5")]
    [InlineData("\"SEEN\"")]
    [InlineData("1:0x")]
    public void Malformed_IsRefused(string program)
    {
        SearchProgram.TryParse(Command("a SEARCH " + program).Arguments, out _, out var error, out var badCharset).ShouldBeFalse();
        error.ShouldNotBeNullOrEmpty();
        badCharset.ShouldBeFalse();
    }

    [Fact]
    public void NoArguments_IsRefused()
    {
        SearchProgram.TryParse([], out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void DeepNesting_IsRefused()
    {
        var deep = string.Concat(Enumerable.Repeat("NOT ", 100)) + "SEEN";
        SearchProgram.TryParse(Command("a SEARCH " + deep).Arguments, out _, out var error).ShouldBeFalse();
        error.ShouldContain("deep");

        var ors = string.Concat(Enumerable.Repeat("OR SEEN ", 40)) + "SEEN";
        SearchProgram.TryParse(Command("a SEARCH " + ors).Arguments, out _, out _).ShouldBeFalse();

        var parens = string.Concat(Enumerable.Repeat("(", 20)) + "SEEN" + string.Concat(Enumerable.Repeat(")", 20));
        SearchProgram.TryParse(Command("a SEARCH NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT " + parens).Arguments, out _, out _).ShouldBeFalse();

        var allowed = string.Concat(Enumerable.Repeat("NOT ", SearchProgram.MaxNestingDepth)) + "SEEN";
        SearchProgram.TryParse(Command("a SEARCH " + allowed).Arguments, out _, out var allowedError).ShouldBeTrue(allowedError);
    }

    [Fact]
    public void Content_IsDecodedOnlyWhenAKeyNeedsIt()
    {
        var parses = 0;
        var blob = Crlf("Subject: x\n\nbody\n");
        var fetchable = new FetchableMessage(1, 1, [], DateTimeOffset.UnixEpoch, 1, new Interchange.Storage.Content.BytesContent(blob), _ =>
        {
            parses++;
            return Interchange.Mime.Parsing.MimeParser.Parse(blob);
        });
        var message = new SearchableMessage(fetchable, 1, 1);
        Parse("OR SEEN UID 1:*", out _, out _).Matches(message).ShouldBeTrue();
        parses.ShouldBe(0);
        Parse("BODY BODY", out _, out _).Matches(message).ShouldBeTrue();
        Parse("SUBJECT x", out _, out _).Matches(message).ShouldBeTrue();
        parses.ShouldBe(1);
    }

    [Theory]
    [InlineData("FROM \"Smith, John <john.smith@example.com>\"", true)]
    [InlineData("FROM \"\\\"Smith, John\\\" <john\"", true)]
    [InlineData("TO \"Mary Major <mary@\"", true)]
    [InlineData("CC \"Jörg <joerg@example.de>\"", true)]
    [InlineData("TO \"Team: a@x.org\"", false)]
    [InlineData("HEADER Reply-To \"Team: <a@x.org>, <b@y.org>;\"", true)]
    [InlineData("FROM \"John Smith\"", false)]
    public void AddressKeys_MatchTheWholeAddressAsAReaderSeesIt(string program, bool matches)
    {
        var message = Make(1, 1, [], DateTimeOffset.UnixEpoch, 1, """
            From: "Smith, John" <john.smith@example.com>
            To: Mary
            	Major <mary@example.org>
            Cc: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.de>
            Reply-To: Team: a@x.org, b@y.org;
            Subject: a

            x
            """);
        Parse(program, out _, out _).Matches(message).ShouldBe(matches, program);
    }
}
