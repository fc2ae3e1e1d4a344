using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// What an IMAP user can never reach and how fast a session may go, driven by Python's imaplib
/// and raw sockets: no name of any form selects, reads, lists, appends to or copies into another
/// user's mailbox (every store query is by the session's own user); a flood of commands is paced
/// to the configured rate and still answered in full.
/// </summary>
public sealed class ImapBoundaryTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";

    [Fact]
    public async Task AUser_CannotNameSelectListOrReadAnotherUsersMailbox()
    {
        // Bob has a message and a folder of his own; Alice tries every spelling that some server
        // maps to another user's mailbox (Dovecot's "~user", shared namespaces, path tricks).
        var subject = $"bob-private-{Guid.NewGuid():N}";
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib, imaplib, ssl
            s = smtplib.SMTP("127.0.0.1", {{fixture.Server.Port("smtp")}}, timeout=20)
            s.sendmail("x@remote.test", ["bob@example.test"], b"Subject: {{subject}}\r\n\r\nsecret\r\n")
            s.quit()
            {{Tls}}
            m = imaplib.IMAP4_SSL("127.0.0.1", {{fixture.Server.Port("imaps")}}, ssl_context=ctx)
            m.login("bob@example.test", "{{MailServerFixture.BobPassword}}")
            m.create("BobOnly")
            m.logout()
            """);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));
        await fixture.WaitForInboxAsync("bob@example.test", 1);

        var result = await ExternalProcess.PythonAsync($$"""
            import imaplib, ssl
            {{Tls}}
            m = imaplib.IMAP4_SSL("127.0.0.1", {{fixture.Server.Port("imaps")}}, ssl_context=ctx)
            m.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            names = ['"bob@example.test/INBOX"', '"~bob/INBOX"', '"~bob@example.test/INBOX"', '"#user/bob/INBOX"',
                     '"Other Users/bob/INBOX"', '"/bob/INBOX"', '"../bob@example.test/INBOX"', '"BobOnly"', '"bob@example.test"']
            for name in names:
                print("select", name, m.select(name)[0])
                print("status", name, m.status(name, "(MESSAGES)")[0])
                print("append", name, m.append(name, None, None, b"Subject: intrusion\r\n\r\nx\r\n")[0])
            typ, lines = m.list('""', "*")
            print("list", typ, any(b"Bob" in l or b"bob" in l for l in lines))
            typ, lines = m.list('""', "~bob/*")
            print("list~", typ, [l for l in lines if l])
            m.append("INBOX", None, None, b"Subject: alice's own\r\n\r\nx\r\n")
            print("own", int(m.select("INBOX")[1][0]))
            typ, data = m.search(None, "SUBJECT", "{{subject}}")
            print("search", typ, data[0].split())
            print("copy", m.copy("1:*", '"~bob/INBOX"')[0], m.copy("1:*", '"bob@example.test/INBOX"')[0])
            m.logout()
            """);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines.Where(l => l.StartsWith("select ", StringComparison.Ordinal) || l.StartsWith("status ", StringComparison.Ordinal) || l.StartsWith("append ", StringComparison.Ordinal)))
        {
            line.ShouldEndWith(" NO", customMessage: line);
        }

        lines.ShouldContain("list OK False");
        lines.ShouldContain("list~ OK []");
        lines.ShouldContain("search OK []");
        lines.ShouldContain("own 1", "Alice has a message to copy");
        lines.ShouldContain("copy NO NO");

        // And Bob's mailbox is exactly as he left it: his one message, nothing appended or copied.
        var bob = await fixture.InboxAsync("bob@example.test");
        bob.Count.ShouldBe(1);
        (await fixture.ShowAsync("bob@example.test", bob[0])).ShouldContain(subject);
    }

    [Fact]
    public async Task AFloodOfPipelinedCommands_IsPacedToTheRate_AndEveryCommandIsAnswered()
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path, ["imap"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Imap__MaxCommandsPerSecond"] = "40",
            ["INTERCHANGE__Imap__CommandBurst"] = "20",
        });
        (await InterchangeBinary.CliAsync(data.Path, "pace-secret-1\n", ["user", "add", "pace@example.test", "--password-stdin"])).ExitCode.ShouldBe(0);

        // 140 NOOPs in one write: 20 pass at once, the other 120 at 40/s take at least 3 s.
        var result = await ExternalProcess.PythonAsync($$"""
            import socket, time
            s = socket.create_connection(("127.0.0.1", {{server.Port("imap")}}), timeout=60)
            f = s.makefile("rb")
            f.readline()
            s.sendall(b'a LOGIN pace@example.test pace-secret-1\r\n')
            while not f.readline().startswith(b"a "): pass
            start = time.monotonic()
            s.sendall(b"".join(b"n%d NOOP\r\n" % i for i in range(140)))
            answered = 0
            while answered < 140:
                line = f.readline()
                if not line: break
                if line.startswith(b"n") and b" OK " in line: answered += 1
            print(answered, round(time.monotonic() - start, 2))
            s.sendall(b"z LOGOUT\r\n")
            """);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var parts = result.Stdout.Trim().Split(' ');
        parts[0].ShouldBe("140", "every paced command is still answered");
        double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(2.9, "120 commands beyond the burst at 40/s cannot finish sooner");
        (await server.WaitForLogAsync(l => l.Contains("commands waited, over 40 per second", StringComparison.Ordinal), TimeSpan.FromSeconds(10))).ShouldNotBeNull();
    }
}
