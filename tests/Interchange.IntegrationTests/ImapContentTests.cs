using System.Text.Json;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// Message content over IMAP with independent clients (imaplib, raw sockets): big messages are
/// searched and fetched with bounded server memory and every byte intact; APPEND streams,
/// advertises APPENDLIMIT and refuses an oversize literal before inviting it; Thunderbird's
/// RFC 6855 <c>APPEND … UTF8 (~{n+}…)</c> saves a sent copy; search strings and work are capped.
/// </summary>
public sealed class ImapContentTests(ImapContentServerFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ImapContentServerFixture>
{
    private string Login => $$"""
        import imaplib, socket, re
        m = imaplib.IMAP4("127.0.0.1", {{fixture.Server.Port("imap")}}, timeout=60)
        m.login("{{ImapContentServerFixture.User}}", "{{ImapContentServerFixture.Password}}")
        """;

    [Fact]
    public async Task ABigMessage_SearchedAndFetchedByTwoSessions_KeepsServerMemoryBounded_AndEveryByte()
    {
        // One message of 20 MB (10 MB of text, 7 MB of binary attachment as base64); two sessions
        // SEARCH TEXT, SEARCH BODY, FETCH BODY[] and BINARY[2] it at once. Holding it whole, as
        // FETCH, BINARY and SEARCH did, costs the server several copies of it per session.
        var result = await ExternalProcess.RunAsync("python3",
        [
            Path.Combine(AppContext.BaseDirectory, "Clients", "imap_big_messages.py"),
            "--smtp-port", fixture.Server.Port("smtp").ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--imap-port", fixture.Server.Port("imap").ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--pid", fixture.Server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--user", ImapContentServerFixture.User, "--password", ImapContentServerFixture.Password,
            "--messages", "1", "--megabytes", "20", "--sessions", "2", "--timeout", "240",
        ], timeout: TimeSpan.FromMinutes(5));
        output.WriteLine(result.Stdout);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var summary = JsonDocument.Parse(result.Stdout).RootElement;
        summary.GetProperty("errors").GetArrayLength().ShouldBe(0, result.Stdout);
        summary.GetProperty("fetched_ok").GetInt32().ShouldBe(4, "BODY[] is the delivered message and BINARY[2] the attachment, in both sessions");
        summary.GetProperty("searches_found").GetInt32().ShouldBe(2, "SEARCH BODY finds the word at the end of the text");
        summary.GetProperty("searches_absent").GetInt32().ShouldBe(0);
        summary.GetProperty("growth_mb").GetDouble().ShouldBeLessThan(40, "the server's RSS above its idle size while two sessions read a 20 MB message");
    }

    [Fact]
    public async Task Thunderbird_SavesASentCopy_WithTheUtf8Literal8Append()
    {
        // Thunderbird after ENABLE UTF8=ACCEPT (RFC 6855 §4): APPEND "Sent" (\Seen) UTF8 (~{n+}…),
        // also with a date-time, and the synchronizing ~{n} form.
        var result = await ExternalProcess.PythonAsync(Login + """

            print(m._simple_command("ENABLE", "UTF8=ACCEPT")[0])
            msg = "From: Alice <content@example.test>\r\nTo: b@remote.test\r\nSubject: Grüße, sent copy\r\n\r\nHallo Wörld\r\n".encode()

            def raw(tag, line, data, sync=False):
                m.send(line + b"\r\n")
                got = []
                if sync:
                    got.append(m.readline())
                    if not got[-1].startswith(b"+"):
                        return got
                m.send(data + b")\r\n")
                while True:
                    got.append(m.readline())
                    if got[-1].startswith(tag + b" "):
                        return got

            r1 = raw(b"t1", b't1 append "Sent" (\\Seen) UTF8 (~{%d+}' % len(msg), msg)
            print(r1[-1].decode().strip())
            r2 = raw(b"t2", b't2 APPEND Sent (\\Seen $Forwarded) "14-Jul-2025 10:11:12 +0200" UTF8 (~{%d+}' % len(msg), msg)
            print(r2[-1].decode().split(" ")[1])
            r3 = raw(b"t3", b't3 APPEND Drafts (\\Draft) UTF8 (~{%d}' % len(msg), msg, sync=True)
            print(r3[0][:1].decode(), r3[-1].decode().split(" ")[1])
            m.select("Sent")
            typ, data = m.uid("SEARCH", "ALL")
            uids = data[0].split()
            print(len(uids))
            typ, data = m.uid("FETCH", uids[-1], "(FLAGS INTERNALDATE BODY.PEEK[])")
            import datetime
            stamp = re.search(rb'INTERNALDATE "([^"]+)"', data[0][0]).group(1).decode()
            when = datetime.datetime.strptime(stamp, "%d-%b-%Y %H:%M:%S %z")
            print(data[0][1] == msg, b"$Forwarded" in data[0][0], when == datetime.datetime(2025, 7, 14, 8, 11, 12, tzinfo=datetime.timezone.utc))
            m.select("Drafts")
            typ, data = m.fetch("1", "(FLAGS BODY.PEEK[])")
            print(data[0][1] == msg, b"\\Draft" in data[0][0])
            print(m.noop()[0])
            """);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("OK");
        lines[1].ShouldStartWith("t1 OK [APPENDUID ");
        lines[2].ShouldBe("OK", "with flags and a date-time");
        lines[3].ShouldBe("+ OK", "the synchronizing form is invited, then taken");
        lines[4].ShouldBe("2");
        lines[5].ShouldBe("True True True");
        lines[6].ShouldBe("True True");
        lines[7].ShouldBe("OK");
    }

    [Fact]
    public async Task AppendLimit_IsAdvertised_AndAnOversizeLiteralIsRefusedBeforeItIsInvited()
    {
        var result = await ExternalProcess.PythonAsync(Login + """

            print([c for c in m.capabilities if c.startswith("APPENDLIMIT")])
            m.send(b"a1 APPEND INBOX {60000000}\r\n")
            print(m.readline().decode().strip())
            m.send(b"a2 APPEND INBOX {52428801}\r\n")
            print(m.readline().decode().strip())
            # Within the limit it is invited, and the message streams in.
            body = b"Subject: streamed\r\n\r\n" + b"x" * 3000000 + b"\r\n"
            m.send(b"a3 APPEND INBOX {%d}\r\n" % len(body))
            print(m.readline().decode()[:1])
            m.send(body + b"\r\n")
            print(m.readline().decode().split(" ")[1])
            m.select("INBOX")
            typ, data = m.uid("SEARCH", "SUBJECT", "streamed")
            typ, data = m.uid("FETCH", data[0].split()[-1], "(BODY.PEEK[])")
            print(data[0][1] == body)
            print(m.noop()[0])
            """);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("['APPENDLIMIT=52428800']");
        lines[1].ShouldStartWith("a1 NO [TOOBIG]", customMessage: "refused, not '+ Ready'");
        lines[2].ShouldStartWith("a2 NO [TOOBIG]");
        lines[3].ShouldBe("+");
        lines[4].ShouldBe("OK");
        lines[5].ShouldBe("True");
        lines[6].ShouldBe("OK");
    }

    [Fact]
    public async Task ASearchReadingMoreTextThanItsBudget_IsRefusedWithLimit_AndANarrowerOneIsAnswered()
    {
        // Three messages of 6 MB of text in a mailbox of their own: 18 MB, over the 16 MiB budget.
        var result = await ExternalProcess.PythonAsync(Login + """

            m.create("Budget")
            for i in range(3):
                m.append("Budget", None, None, b"Subject: budget %d\r\n\r\n" % i + (b"lorem ipsum dolor sit amet\r\n" * 230000) + b"tail%d\r\n" % i)
            m.select("Budget")
            typ, data = m.search(None, "TEXT", "tail2")
            print(typ, data[0].decode()[:7])
            typ, data = m.search(None, "2:3", "TEXT", "tail2")
            print(typ, data[0].decode())
            typ, data = m.search(None, "SUBJECT", "budget")
            print(typ, data[0].decode())
            """, TimeSpan.FromMinutes(3));
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("NO [LIMIT]", "18 MB of text is over the 16 MiB a SEARCH may read");
        lines[1].ShouldBe("OK 3", "two messages' text is within it");
        lines[2].ShouldBe("OK 1 2 3", "header keys read no body text");
    }

    [Fact]
    public async Task ALongSearchString_IsRefusedWithLimit_AndTheSessionGoesOn()
    {
        var result = await ExternalProcess.PythonAsync(Login + """

            m.append("INBOX", None, None, b"Subject: searchable\r\n\r\nneedle in a haystack\r\n")
            m.select("INBOX")
            m.literal = ("a" * 16000).encode()
            typ, data = m.search(None, "TEXT")
            print(typ, m.response("LIMIT")[1] != [None] or b"LIMIT" in data[0])
            print(data[0].decode()[:60])
            typ, data = m.search(None, "BODY", "NEEDLE")
            print(typ, len(data[0].split()) >= 1)
            """);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("NO True");
        lines[1].ShouldContain("longer than 1000");
        lines[2].ShouldBe("OK True");
    }
}
