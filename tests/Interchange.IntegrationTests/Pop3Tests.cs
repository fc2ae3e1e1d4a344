using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>POP3 (RFC 1939, 2449, 2595, 5034) driven by Python's poplib and curl, on mail delivered over SMTP.</summary>
public sealed class Pop3Tests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";

    [Fact]
    public async Task StlsThenUserPass_ListsAndRetrievesWhatSmtpDelivered_ByteForByte()
    {
        var uids = await DeliverAsync("bob@example.test", "pop one", "line\r\n.dot line\r\nlast");
        var stored = await fixture.ShowAsync("bob@example.test", uids[^1]);
        var result = await Python($$"""
            import poplib, ssl
            {{Tls}}
            p = poplib.POP3("127.0.0.1", {{Port("pop3")}}, timeout=20)
            print("STLS" in p.capa())
            p.stls(context=ctx)
            p.user("bob@example.test"); p.pass_("{{MailServerFixture.BobPassword}}")
            count, size = p.stat()
            listed = dict((int(n), int(s)) for n, s in (l.split() for l in p.list()[1]))
            resp, lines, octets = p.retr(count)
            body = b"\r\n".join(lines) + b"\r\n"
            print(count, size == sum(listed.values()), octets, listed[count])
            import sys; sys.stdout.buffer.write(b"BODY:" + body)
            p.quit()
            """);
        var lines = result.Split('\n');
        lines[0].ShouldBe("True");
        var counts = lines[1].Split(' ');
        counts[1].ShouldBe("True", "STAT's size is the sum of LIST's");
        counts[2].ShouldBe(counts[3], "RETR sends exactly the octets LIST announced");
        var body = result[(result.IndexOf("BODY:", StringComparison.Ordinal) + 5)..];
        body.ShouldBe(stored.ReplaceLineEndings("\n").TrimEnd(), "poplib un-stuffs what we stuffed: the message as stored (the helper trims the last newline)");
    }

    [Fact]
    public async Task PlaintextLoginBeforeTls_IsRefused_AndPop3sWithAuthPlainWorks()
    {
        await DeliverAsync("bob@example.test", "pop two", "x");
        var result = await Python($$"""
            import poplib, ssl, base64
            {{Tls}}
            p = poplib.POP3("127.0.0.1", {{Port("pop3")}}, timeout=20)
            print("USER" in p.capa())
            try:
                p.user("bob@example.test")
            except poplib.error_proto as e:
                print(e.args[0].decode()[:10])
            p.quit()
            s = poplib.POP3_SSL("127.0.0.1", {{Port("pop3s")}}, timeout=20, context=ctx)
            token = base64.b64encode(b"\0bob@example.test\0{{MailServerFixture.BobPassword}}").decode()
            print(s._shortcmd("AUTH PLAIN " + token).decode()[:3])
            print(s.stat()[0] > 0)
            s.quit()
            """);
        result.ShouldBe("False\n-ERR [AUTH\n+OK\nTrue");
    }

    [Fact]
    public async Task OneSessionPerMaildrop_TheSecondGetsInUse()
    {
        var result = await Python($$"""
            import poplib, ssl
            {{Tls}}
            a = poplib.POP3_SSL("127.0.0.1", {{Port("pop3s")}}, timeout=20, context=ctx)
            a.user("alice@example.test"); a.pass_("{{MailServerFixture.AlicePassword}}")
            b = poplib.POP3_SSL("127.0.0.1", {{Port("pop3s")}}, timeout=20, context=ctx)
            b.user("alice@example.test")
            try:
                b.pass_("{{MailServerFixture.AlicePassword}}")
            except poplib.error_proto as e:
                print(e.args[0].decode()[:13])
            a.quit()
            b.user("alice@example.test"); print(b.pass_("{{MailServerFixture.AlicePassword}}").decode()[:3])
            b.quit()
            """);
        result.ShouldBe("-ERR [IN-USE]\n+OK");
    }

    [Fact]
    public async Task Deletions_TakeEffectOnlyAtQuit_AndUidlIsStableAndSharedWithImapUids()
    {
        var uids = await DeliverAsync("alice@example.test", "to delete", "a");
        uids = await DeliverAsync("alice@example.test", "to keep", "b");
        var uidValidity = (await fixture.Cli(null, "mailbox", "list", "alice@example.test")).Stdout.Split('\n').First(l => l.StartsWith("INBOX", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        var expectedUidl = $"{uids[^1]:X8}{long.Parse(uidValidity, System.Globalization.CultureInfo.InvariantCulture):X8}";
        var script = $$"""
            import poplib, ssl
            {{Tls}}
            import time
            def login():
                # A session closed without QUIT holds the maildrop until the server sees the
                # close; a client retries [IN-USE] (bounded here).
                for attempt in range(50):
                    p = poplib.POP3_SSL("127.0.0.1", {{Port("pop3s")}}, timeout=20, context=ctx)
                    p.user("alice@example.test")
                    try:
                        p.pass_("{{MailServerFixture.AlicePassword}}")
                        return p
                    except poplib.error_proto as e:
                        if b"[IN-USE]" not in e.args[0]: raise
                        p.quit(); time.sleep(0.1)
                raise Exception("maildrop stayed locked")
            p = login(); n = p.stat()[0]
            uidl = [l.split()[1].decode() for l in p.uidl()[1]]
            print(uidl[-1])
            p.dele(n - 1); print(p.stat()[0] == n - 1)
            p.rset(); print(p.stat()[0] == n)
            p.dele(n - 1)
            p.file.close(); p.sock.close()      # no QUIT: nothing is deleted
            p = login(); print(p.stat()[0] == n)
            print([l.split()[1].decode() for l in p.uidl()[1]] == uidl)
            p.dele(n - 1); print(p.quit().decode()[:3])
            p = login(); print(p.stat()[0] == n - 1)
            print([l.split()[1].decode() for l in p.uidl()[1]] == uidl[:-2] + uidl[-1:])
            p.quit()
            """;
        var result = await Python(script);
        result.ShouldBe($"{expectedUidl}\nTrue\nTrue\nTrue\nTrue\n+OK\nTrue\nTrue");
        (await fixture.InboxAsync("alice@example.test")).ShouldNotContain(uids[^1] - 1);
    }

    [Fact]
    public async Task Top_SendsTheHeaderAndTheFirstLinesOfTheBody()
    {
        await DeliverAsync("bob@example.test", "top", "first\r\nsecond\r\nthird");
        var result = await Python($$"""
            import poplib, ssl
            {{Tls}}
            p = poplib.POP3_SSL("127.0.0.1", {{Port("pop3s")}}, timeout=20, context=ctx)
            p.user("bob@example.test"); p.pass_("{{MailServerFixture.BobPassword}}")
            n = p.stat()[0]
            none = p.top(n, 0)[1]; one = p.top(n, 1)[1]
            print(none[-1] == b"", b"Subject: top" in none, len(one) == len(none) + 1, one[-1].decode())
            p.quit()
            """);
        result.ShouldBe("True True True first");
    }

    [Fact]
    public async Task BadInput_GetsErr_AndTooManyErrorsClose()
    {
        var result = await Python($$"""
            import socket
            s = socket.create_connection(("127.0.0.1", {{Port("pop3")}}), timeout=20); f = s.makefile("rb")
            print(f.readline().decode()[:3])
            for cmd in [b"STAT", b"FROB", b"RETR 1", b"PASS x", b"X" * 5000]:
                s.sendall(cmd + b"\r\n"); print(f.readline().decode().strip()[:4])
            s.sendall(b"CAPA\r\n"); print(f.readline().decode()[:3])
            while f.readline().strip() != b".": pass
            for _ in range(6): s.sendall(b"FROB\r\n")
            replies = []
            while True:
                line = f.readline()
                if not line: break
                replies.append(line.decode().strip())
            print(len(replies), replies[-1][:4])
            """);
        result.ShouldBe("+OK\n-ERR\n-ERR\n-ERR\n-ERR\n-ERR\n+OK\n6 -ERR");
    }

    [Fact]
    public async Task Curl_ListsAndRetrievesOverPop3s()
    {
        await DeliverAsync("bob@example.test", "for curl", "curl body");
        var list = await ExternalProcess.RunAsync("curl", ["-sS", "--insecure", "-u", $"bob@example.test:{MailServerFixture.BobPassword}", $"pop3s://127.0.0.1:{Port("pop3s")}/"]);
        list.ExitCode.ShouldBe(0, ExternalProcess.Describe(list));
        var count = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        count.ShouldBeGreaterThan(0);
        var message = await ExternalProcess.RunAsync("curl", ["-sS", "--insecure", "-u", $"bob@example.test:{MailServerFixture.BobPassword}", $"pop3s://127.0.0.1:{Port("pop3s")}/{count}"]);
        message.ExitCode.ShouldBe(0, ExternalProcess.Describe(message));
        message.Stdout.ShouldContain("Subject: for curl");
        message.Stdout.ShouldContain("curl body");
    }

    private async Task<IReadOnlyList<long>> DeliverAsync(string user, string subject, string body)
    {
        var before = (await fixture.InboxAsync(user)).Count;
        var sent = await Python($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            print(s.sendmail("pop@remote.test", ["{{user}}"], b"Subject: {{subject}}\r\n\r\n{{body.Replace("\r\n", "\\r\\n", StringComparison.Ordinal)}}\r\n"))
            s.quit()
            """);
        sent.ShouldBe("{}");
        return await fixture.WaitForInboxAsync(user, before + 1);
    }

    private string Port(string protocol) => fixture.Server.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> Python(string script)
    {
        var result = await ExternalProcess.PythonAsync(script);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.ReplaceLineEndings("\n").TrimEnd();
    }
}
