using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// IMAP grammar and mailbox-state details that clients rely on (issue 8 item 14), each driven by
/// Python's imaplib and its raw send: keywords announced in FLAGS and PERMANENTFLAGS before any
/// FETCH shows them (RFC 3501 7.2.6), NIL read as an atom where the grammar wants one, '[' in an
/// astring, LIST-EXTENDED option checking (RFC 5258 3), LSUB's \Noselect parent (RFC 3501 6.3.9),
/// address SEARCH keys, and \Recent for IMAP4rev1 sessions (RFC 3501 2.3.2).
/// </summary>
public sealed class ImapProtocolTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    // raw(m, line): sends one command through imaplib's socket and returns every line up to the tagged one.
    private const string Prelude = """
        import imaplib, ssl, time
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        def raw(m, line):
            tag = m._new_tag(); m.send(tag + b" " + (line.encode() if isinstance(line, str) else line) + b"\r\n"); out = []
            while True:
                got = m.readline()
                if not got: out.append("<closed>"); return out
                got = got.decode().rstrip("\r\n")
                if got.startswith(tag.decode() + " "): out.append("TAGGED " + got.split(" ", 1)[1]); return out
                out.append(got)
        """;

    [Fact]
    public async Task Keywords_AreListedInFlagsAndPermanentFlags_AndANewOneIsAnnouncedBeforeAnyFetchShowsIt()
    {
        var lines = await RunAsync("""
            a = login(); b = login()
            a.create("Kw"); a.append("Kw", "($Label1)", None, b"Subject: k\r\n\r\nx\r\n")
            print("SELECT", raw(a, "SELECT Kw"))
            raw(b, "SELECT Kw")
            print("STORE", raw(a, "STORE 1 +FLAGS (Fresh)"))
            print("OTHER", raw(b, "NOOP"))
            print("AGAIN", raw(a, "STORE 1 +FLAGS (Fresh)"))
            a.append("Kw", "(Arrived)", None, b"Subject: k2\r\n\r\nx\r\n")
            print("IDLE", raw(b, "NOOP"))
            """);
        var select = Line(lines, "SELECT");
        select.ShouldContain("'* FLAGS (\\\\Answered \\\\Flagged \\\\Deleted \\\\Seen \\\\Draft $Label1)'");
        select.ShouldContain("PERMANENTFLAGS (\\\\Answered \\\\Flagged \\\\Deleted \\\\Seen \\\\Draft $Label1 \\\\*)]");

        // This session's STORE: FLAGS (and PERMANENTFLAGS) with the new keyword come before the FETCH.
        var store = Items(Line(lines, "STORE"));
        var flags = store.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("Fresh", StringComparison.Ordinal));
        flags.ShouldBeGreaterThanOrEqualTo(0, Line(lines, "STORE"));
        store.FindIndex(l => l.Contains("PERMANENTFLAGS", StringComparison.Ordinal) && l.Contains("Fresh", StringComparison.Ordinal)).ShouldBeGreaterThan(flags);
        store.FindIndex(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal)).ShouldBeGreaterThan(flags);

        // Another session learns of it at NOOP, FLAGS first too.
        var other = Items(Line(lines, "OTHER"));
        var otherFlags = other.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("Fresh", StringComparison.Ordinal));
        otherFlags.ShouldBeGreaterThanOrEqualTo(0, Line(lines, "OTHER"));
        other.FindIndex(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal) && l.Contains("Fresh", StringComparison.Ordinal)).ShouldBeGreaterThan(otherFlags);

        // Known keywords are not announced twice; a new message's keyword is, before its EXISTS.
        Line(lines, "AGAIN").ShouldNotContain("* FLAGS");
        var idle = Items(Line(lines, "IDLE"));
        var arrived = idle.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("Arrived", StringComparison.Ordinal));
        arrived.ShouldBeGreaterThanOrEqualTo(0, Line(lines, "IDLE"));
        idle.FindIndex(l => l == "* 2 EXISTS").ShouldBeGreaterThan(arrived);
    }

    [Fact]
    public async Task Nil_IsAnAtomWhereTheGrammarWantsOne()
    {
        var lines = await RunAsync("""
            a = login()
            a.create("NilBox"); a.append("NilBox", None, None, b"Subject: NIL\r\n\r\nx\r\n")
            raw(a, "SELECT NilBox")
            print("STORE", raw(a, "STORE 1 +FLAGS NIL"))
            print("STORELIST", raw(a, "STORE 1 +FLAGS (NIL Other)"))
            print("LIST", raw(a, 'LIST "" NIL'))
            print("SEARCH", raw(a, "SEARCH SUBJECT NIL"))
            print("KEYWORD", raw(a, "SEARCH KEYWORD NIL"))
            """);
        Line(lines, "STORE").ShouldContain("TAGGED OK");
        Line(lines, "STORE").ShouldContain("* 1 FETCH (FLAGS (");
        Line(lines, "STORE").ShouldMatch(@"\* 1 FETCH \(FLAGS \([^)]*\bNIL\b");
        Line(lines, "STORELIST").ShouldContain("TAGGED OK");
        Line(lines, "LIST").ShouldContain("TAGGED OK");
        Line(lines, "SEARCH").ShouldContain("'* SEARCH 1'");
        Line(lines, "KEYWORD").ShouldContain("'* SEARCH 1'");
    }

    [Fact]
    public async Task AnAstringMayHoldABracket_AndNoListPatternEndsTheConnection()
    {
        var lines = await RunAsync("""
            a = login()
            name = "!#$&'+,-.0123456789:;<=>?@^_`|[}"
            print("SELECT", raw(a, "SELECT " + name))
            print("LIST", raw(a, 'LIST "" ' + name + "%*"))
            a.create("Odd[Name"); print("ODD", raw(a, 'LIST "" Odd[%'))
            a.create("a" * 60)
            start = time.monotonic()
            print("GREEDY", raw(a, 'LIST "" "' + "%*" * 40 + 'x"'), round(time.monotonic() - start, 1))
            print("NOOP", raw(a, "NOOP"))
            """);
        Line(lines, "SELECT").ShouldContain("TAGGED NO");
        Line(lines, "LIST").ShouldContain("TAGGED OK");
        Line(lines, "ODD").ShouldContain("'* LIST (\\\\HasNoChildren) \"/\" Odd[Name'");
        Line(lines, "GREEDY").ShouldContain("TAGGED OK", customMessage: "a pattern of many wildcards is matched, not timed out");
        var seconds = double.Parse(Line(lines, "GREEDY").Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        seconds.ShouldBeLessThan(1.0);
        Line(lines, "NOOP").ShouldContain("TAGGED OK");
    }

    [Fact]
    public async Task ListExtended_RefusesUnknownSelectionAndReturnOptions()
    {
        var lines = await RunAsync("""
            a = login()
            print("SEL", raw(a, 'LIST (FROBNICATE) "" "*"'))
            print("RET", raw(a, 'LIST "" "*" RETURN (FROBNICATE)'))
            print("RECURSIVE", raw(a, 'LIST (RECURSIVEMATCH) "" "*"'))
            print("STATUSBARE", raw(a, 'LIST "" "*" RETURN (STATUS)'))
            print("KNOWN", raw(a, 'LIST (SUBSCRIBED REMOTE RECURSIVEMATCH) "" "*" RETURN (CHILDREN SUBSCRIBED)'))
            """);
        Line(lines, "SEL").ShouldContain("TAGGED BAD");
        Line(lines, "RET").ShouldContain("TAGGED BAD");
        Line(lines, "RECURSIVE").ShouldContain("TAGGED BAD", customMessage: "RECURSIVEMATCH alone is refused (RFC 5258 3)");
        Line(lines, "STATUSBARE").ShouldContain("TAGGED BAD");
        Line(lines, "KNOWN").ShouldContain("TAGGED OK");
    }

    [Fact]
    public async Task Lsub_ListsAnUnsubscribedParentAsNoselect_WhenPercentHidesTheChild()
    {
        var lines = await RunAsync("""
            a = login()
            a.create("Parent/Child"); a.unsubscribe("Parent")
            print("PCT", raw(a, 'LSUB "" "Par%"'))
            print("STAR", raw(a, 'LSUB "" "Par*"'))
            print("RECURSIVE", raw(a, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Par%"'))
            print("PLAIN", raw(a, 'LIST (SUBSCRIBED) "" "Par%"'))
            """);
        Line(lines, "PCT").ShouldContain("* LSUB (\\\\Noselect");
        Line(lines, "PCT").ShouldContain("\"/\" Parent'");
        Line(lines, "PCT").ShouldNotContain("Parent/Child");
        Line(lines, "STAR").ShouldContain("\"/\" Parent/Child'");
        Line(lines, "STAR").ShouldNotContain("\"/\" Parent'", customMessage: "with * the child itself is listed, and the unsubscribed parent is not");
        Line(lines, "RECURSIVE").ShouldContain("'* LIST (\\\\HasChildren) \"/\" Parent (\"CHILDINFO\" (\"SUBSCRIBED\"))'", customMessage: "RFC 5258 3.5: the parent of a subscribed child, with CHILDINFO");
        Line(lines, "PLAIN").ShouldNotContain("Parent", customMessage: "without RECURSIVEMATCH the unsubscribed parent is not selected");
    }

    [Fact]
    public async Task AddressSearchKeys_MatchTheWholeAddress_DisplayNameIncluded()
    {
        var lines = await RunAsync("""
            a = login()
            a.create("Addr")
            a.append("Addr", None, None, b'From: "Smith, John" <john.smith@example.com>\r\nTo: Mary\r\n\tMajor <mary@example.org>\r\nCc: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.de>\r\nBcc: bcc@example.net\r\nSubject: a\r\n\r\nx\r\n')
            a.append("Addr", None, None, b'From: other@example.com\r\nSubject: b\r\n\r\nx\r\n')
            a.select("Addr")
            for key in ['FROM "Smith, John <john.smith@example.com>"', 'FROM "John <john.smith@"', 'FROM "john.smith@example.com"',
                        'TO "Mary Major <mary@example.org>"', 'CC "Jörg <joerg@"', 'BCC "bcc@example"', 'FROM "nobody"']:
                print("KEY", key, a.search("UTF-8", key.encode())[1][0].decode())
            """);
        var found = lines.Where(l => l.StartsWith("KEY ", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        found.ShouldBe(
        [
            "FROM \"Smith, John <john.smith@example.com>\" 1",
            "FROM \"John <john.smith@\" 1",
            "FROM \"john.smith@example.com\" 1",
            "TO \"Mary Major <mary@example.org>\" 1",
            "CC \"Jörg <joerg@\" 1",
            "BCC \"bcc@example\" 1",
            "FROM \"nobody\" ",
        ]);
    }

    [Fact]
    public async Task Recent_IsToldToOneReadWriteSession_CountedInSelectAndStatus_AndLeftOutForRev2()
    {
        var lines = await RunAsync("""
            a = login(); b = login(); c = login()
            c.create("Rc")
            c.append("Rc", None, None, b"Subject: one\r\n\r\nx\r\n"); c.append("Rc", "(\\Seen)", None, b"Subject: two\r\n\r\nx\r\n")
            print("STATUS", raw(c, "STATUS Rc (RECENT MESSAGES)"))
            print("EXAMINE", raw(b, "EXAMINE Rc"))
            raw(b, "UNSELECT")
            print("SELECTA", raw(a, "SELECT Rc"))
            print("FETCHA", raw(a, "FETCH 1:* (FLAGS)"))
            print("SEARCHA", raw(a, "SEARCH RECENT"), raw(a, "SEARCH NEW"), raw(a, "SEARCH OLD"))
            print("SELECTB", raw(b, "SELECT Rc"))
            print("SEARCHB", raw(b, "SEARCH RECENT"), raw(b, "SEARCH OLD"))
            print("STATUS2", raw(c, "STATUS Rc (RECENT)"))
            c.append("Rc", None, None, b"Subject: three\r\n\r\nx\r\n")
            print("NOOPB", raw(b, "NOOP"))
            print("NOOPA", raw(a, "NOOP"))
            print("FETCHB", raw(b, "FETCH 3 (FLAGS)"))
            r = login(); raw(r, "ENABLE IMAP4rev2")
            c.append("Rc", None, None, b"Subject: four\r\n\r\nx\r\n")
            print("REV2", raw(r, "SELECT Rc"))
            print("REV2FETCH", raw(r, "FETCH 4 (FLAGS)"))
            raw(r, "LOGOUT")
            raw(a, "UNSELECT")
            print("AFTERREV2", raw(a, "SELECT Rc"))
            """);
        Line(lines, "STATUS").ShouldContain("RECENT 2");
        Line(lines, "EXAMINE").ShouldContain("'* 2 RECENT'", customMessage: "a read-only session sees unclaimed messages as recent (RFC 3501 2.3.2)");
        Line(lines, "SELECTA").ShouldContain("'* 2 RECENT'", customMessage: "EXAMINE did not claim them; the first SELECT does");
        Line(lines, "FETCHA").ShouldContain("'* 1 FETCH (FLAGS (\\\\Recent))'");
        Line(lines, "FETCHA").ShouldContain("'* 2 FETCH (FLAGS (\\\\Seen \\\\Recent))'");
        Line(lines, "SEARCHA").ShouldContain("['* SEARCH 1 2', 'TAGGED OK SEARCH completed'] ['* SEARCH 1', 'TAGGED OK SEARCH completed'] ['* SEARCH', 'TAGGED OK SEARCH completed']");
        Line(lines, "SELECTB").ShouldContain("'* 0 RECENT'", customMessage: "another session is not told again");
        Line(lines, "SEARCHB").ShouldContain("['* SEARCH', 'TAGGED OK SEARCH completed'] ['* SEARCH 1 2', 'TAGGED OK SEARCH completed']");
        Line(lines, "STATUS2").ShouldContain("RECENT 0");
        Line(lines, "NOOPB").ShouldContain("'* 3 EXISTS', '* 1 RECENT'", customMessage: "the session that learns of a new message first claims it");
        Line(lines, "NOOPA").ShouldContain("'* 3 EXISTS', '* 2 RECENT'");
        Line(lines, "FETCHB").ShouldContain("'* 3 FETCH (FLAGS (\\\\Recent))'");
        Line(lines, "REV2").ShouldNotContain("RECENT");
        Line(lines, "REV2FETCH").ShouldContain("'* 4 FETCH (FLAGS ())'");
        Line(lines, "AFTERREV2").ShouldContain("'* 1 RECENT'", customMessage: "an IMAP4rev2 session does not claim \\Recent");
    }

    private async Task<string[]> RunAsync(string body)
    {
        var script = Prelude + $$"""

            def login():
                m = imaplib.IMAP4_SSL("127.0.0.1", {{fixture.Server.Port("imaps")}}, ssl_context=ctx)
                m.login("bob@example.test", "{{MailServerFixture.BobPassword}}")
                return m

            """ + body;
        var run = await ExternalProcess.PythonAsync(script);
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        return run.Stdout.ReplaceLineEndings("\n").Split('\n');
    }

    private static string Line(string[] lines, string label) =>
        lines.SingleOrDefault(l => l.StartsWith(label + " ", StringComparison.Ordinal)) ?? throw new ShouldAssertException($"no line {label} in:\n{string.Join('\n', lines)}");

    // The printed Python list of one raw() call, as its items.
    private static List<string> Items(string line) =>
        System.Text.RegularExpressions.Regex.Matches(line, @"'((?:[^'\\]|\\.)*)'").Select(m => m.Groups[1].Value.Replace("\\\\", "\\", StringComparison.Ordinal)).ToList();
}
