using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// Issue 9, point 5, from outside: messages expunged by one imaplib session lose their content
/// (an inline one and a file) once the grace is over, and a second session that still shows them
/// and fetches them gets <c>NO [EXPUNGEISSUED]</c>, searches past them, and goes on; its next NOOP
/// announces the expunges. The grace here is zero so the test need not wait for it.
/// </summary>
public sealed class ContentReclaimTests
{
    [Fact]
    public async Task ExpungedMessages_AreReclaimed_AndASessionStillShowingThemIsToldTheyAreGone()
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path, ["smtp", "imap"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Storage__ReclaimGrace"] = "00:00:00",
            ["INTERCHANGE__Storage__ReclaimInterval"] = "00:00:00.200",
        });
        (await InterchangeBinary.CliAsync(data.Path, "reclaim-secret-1\n", ["user", "add", "keeper@example.test", "--password-stdin"])).ExitCode.ShouldBe(0);

        var result = await ExternalProcess.PythonAsync($$"""
            import smtplib, imaplib, time
            small = b"From: a@remote.test\r\nSubject: small\r\n\r\nsmall body\r\n"
            large = b"From: b@remote.test\r\nSubject: large\r\n\r\n" + (b"x" * 998 + b"\r\n") * 150
            s = smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=20)
            s.sendmail("x@remote.test", ["keeper@example.test"], small)
            s.sendmail("x@remote.test", ["keeper@example.test"], large)
            s.quit()
            def login():
                m = imaplib.IMAP4("127.0.0.1", {{server.Port("imap")}}, timeout=20)
                m.login("keeper@example.test", "reclaim-secret-1")
                return m
            a = login()
            deadline = time.monotonic() + 20
            while int(a.select("INBOX")[1][0]) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            typ, data = a.fetch("1:2", "(BODY.PEEK[])")
            print("before", typ, sorted(len(d[1]) for d in data if isinstance(d, tuple)))
            b = login()
            b.select("INBOX")
            b.store("1:2", "+FLAGS", "\\Deleted")
            print("expunge", b.expunge()[0])
            b.logout()
            # FETCH does not announce expunges (RFC 3501 7.4.1): a still shows both messages.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                typ, data = a.fetch("1:2", "(BODY.PEEK[])")
                if typ != "OK":
                    break
                time.sleep(0.2)
            print("after", typ, data[0].decode())
            typ, data = a.uid("FETCH", "1:*", "(FLAGS)")
            print("flags", typ)
            typ, data = a.search(None, "BODY", "small")
            print("search", typ, data)
            typ, data = a.noop()
            print("noop", typ, a.response("EXPUNGE")[1])
            print("count", a.select("INBOX")[1][0].decode())
            a.logout()
            """);

        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldContain(l => l.StartsWith("before OK [", StringComparison.Ordinal), ExternalProcess.Describe(result));
        lines.ShouldContain("expunge OK", ExternalProcess.Describe(result));
        lines.ShouldContain("after NO [EXPUNGEISSUED] Some of the requested messages no longer exist", ExternalProcess.Describe(result));
        lines.ShouldContain("flags OK", ExternalProcess.Describe(result));
        lines.ShouldContain("search OK [b'']", ExternalProcess.Describe(result));
        lines.ShouldContain(l => l.StartsWith("noop OK [b'", StringComparison.Ordinal), ExternalProcess.Describe(result));
        lines.ShouldContain("count 0", ExternalProcess.Describe(result));

        var files = System.IO.Directory.EnumerateFiles(Path.Combine(data.Path, "blobs"), "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) != "tmp").ToList();
        files.ShouldBeEmpty("the large message's file was reclaimed");
        await server.WaitForLogAsync(l => l.Contains("Content collector: ", StringComparison.Ordinal) && l.Contains("reclaimed", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }
}
