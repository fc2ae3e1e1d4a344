using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// Bare CR and bare LF sent in over SMTP (raw sockets, as an outside sender can) are stored as
/// CRLF, and what POP3, IMAP and the CLI read back is that canonical form: no line of the
/// sender's can end a POP3 response early (the "+OK INJECTED" response injection).
/// </summary>
public sealed class BareLineEndTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";
    private const string Password = "line-ends-secret-4";

    /// <summary>The bodies, as Python bytes literals; each is sent after a Subject naming its index.</summary>
    private static readonly string[] Variants =
    [
        @"b'bare lf one\ntwo\n'",
        @"b'bare cr one\rtwo\r'",
        @"b'lf dot\n.two\n..three\nend'",
        @"b'cr dot\r.two\r..three\rend'",
        @"b'visible\n.\r\n+OK INJECTED\r\n'",
        @"b'mixed a\r\n b\n\rc\r\r\nd\n\n.\r\n\r.\ne'",
    ];

    private static readonly string Python_Variants = "variants = [" + string.Join(", ", Variants) + "]";

    [Fact]
    public async Task BareCrAndLf_AreStoredAsCrLf_AndReadBackSoByPop3ImapAndTheCli()
    {
        const string user = "lineends@example.test";
        (await fixture.Cli(Password + "\n", "user", "add", user, "--password-stdin")).ExitCode.ShouldBe(0);

        // Sent raw: smtplib would fix the line ends on its way out.
        var sent = await Python($$"""
            import socket
            {{Python_Variants}}
            s = socket.create_connection(("127.0.0.1", {{Port("smtp")}}), timeout=20)
            f = s.makefile("rb")
            def reply():
                while True:
                    line = f.readline().decode()
                    if line[3:4] != "-":
                        return line.strip()
            reply()
            for i, body in enumerate(variants):
                for command in (b"EHLO client", b"MAIL FROM:<raw@remote.test>", b"RCPT TO:<{{user}}>", b"DATA"):
                    s.sendall(command + b"\r\n"); reply()
                s.sendall(b"Subject: variant %d\r\n\r\n" % i + body + b"\r\n.\r\n")
                print(reply()[:3])
            s.sendall(b"QUIT\r\n"); reply()
            """);
        sent.ShouldBe(string.Join("\n", Variants.Select(_ => "250")));
        var uids = await fixture.WaitForInboxAsync(user, Variants.Length);

        // Each client's view, compared by Python with the canonical form of what was sent.
        var read = await Python($$"""
            import imaplib, poplib, re, ssl
            {{Tls}}
            {{Python_Variants}}
            def canonical(b): return re.sub(rb"\r\n|\r|\n", b"\r\n", b)
            expected = [canonical(b"Subject: variant %d\r\n\r\n" % i + body + b"\r\n") for i, body in enumerate(variants)]
            def which(content):
                return int(re.search(rb"Subject: variant (\d+)", content).group(1))
            def check(label, content):
                i = which(content)
                bare = re.search(rb"\r(?!\n)|(?<!\r)\n", content) is not None
                print(label, i, "ok" if content.endswith(expected[i]) and not bare else "WRONG %r" % content[-120:])

            p = poplib.POP3("127.0.0.1", {{Port("pop3")}}, timeout=20)
            p.stls(context=ctx)
            p.user("{{user}}"); p.pass_("{{Password}}")
            count = p.stat()[0]
            for n in range(1, count + 1):
                lines = p.retr(n)[1]
                check("retr", b"\r\n".join(lines) + b"\r\n")
                print("after retr", p.noop().decode()[:3])
                lines = p.top(n, 100)[1]
                check("top", b"\r\n".join(lines) + b"\r\n")
                print("after top", p.noop().decode()[:3])
            p.quit()

            m = imaplib.IMAP4_SSL("127.0.0.1", {{Port("imaps")}}, ssl_context=ctx)
            m.login("{{user}}", "{{Password}}")
            m.select("INBOX")
            for n in range(1, count + 1):
                typ, data = m.fetch(str(n), "(BODY.PEEK[])")
                check("imap", data[0][1])
            m.logout()
            """);
        var lines = read.Split('\n');
        var perMessage = new[] { "retr", "after retr", "top", "after top" };
        lines.Length.ShouldBe((perMessage.Length + 1) * Variants.Length, read);
        for (var n = 0; n < Variants.Length; n++)
        {
            lines[(n * 4) + 0].ShouldMatch(@"^retr \d ok$", read);
            lines[(n * 4) + 1].ShouldBe("after retr +OK", read);
            lines[(n * 4) + 2].ShouldMatch(@"^top \d ok$", read);
            lines[(n * 4) + 3].ShouldBe("after top +OK", read);
        }

        lines.Skip(4 * Variants.Length).ShouldAllBe(l => l.StartsWith("imap ", StringComparison.Ordinal) && l.EndsWith(" ok", StringComparison.Ordinal));
        lines.Where(l => l.StartsWith("retr ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).Order().ShouldBe(Enumerable.Range(0, Variants.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        // The CLI shows the stored bytes: every line end is CRLF.
        foreach (var uid in uids)
        {
            var shown = await fixture.ShowAsync(user, uid);
            shown.Replace("\r\n", string.Empty, StringComparison.Ordinal).ShouldNotContain('\r', customMessage: shown);
            shown.Replace("\r\n", string.Empty, StringComparison.Ordinal).ShouldNotContain('\n', customMessage: shown);
            shown.ShouldContain("Subject: variant ");
        }

        // The injection payload in particular: its "+OK INJECTED" is a line of the body.
        var injected = await fixture.ShowAsync(user, uids[await IndexOfVariantAsync(user, uids, 4)]);
        injected.ShouldEndWith("Subject: variant 4\r\n\r\nvisible\r\n.\r\n+OK INJECTED\r\n\r\n");
    }

    [Fact]
    public async Task Pop3_StuffsADotAfterABareLineEnd_InContentStoredWithout_Canonicalising()
    {
        // IMAP APPEND is another path in (not canonicalised here): whatever it stored, POP3's
        // stuffing must treat a dot after a bare LF or CR as a line start.
        const string user = "appended@example.test";
        (await fixture.Cli(Password + "\n", "user", "add", user, "--password-stdin")).ExitCode.ShouldBe(0);
        var read = await Python($$"""
            import poplib, socket, ssl
            {{Tls}}
            # Raw: imaplib's append would turn every bare CR and LF into CRLF itself.
            message = b"Subject: appended\r\n\r\nvisible\n.\r\n+OK INJECTED\r\nnext\r.\r\n-ERR INJECTED\r\n"
            raw = ctx.wrap_socket(socket.create_connection(("127.0.0.1", {{Port("imaps")}}), timeout=20))
            f = raw.makefile("rb")
            f.readline()
            raw.sendall(b'a LOGIN "{{user}}" "{{Password}}"\r\n')
            while not (line := f.readline()).startswith(b"a "): assert line
            raw.sendall(b"b APPEND INBOX {%d}\r\n" % len(message))
            print(f.readline()[:1].decode())
            raw.sendall(message + b"\r\n")
            while not (line := f.readline()).startswith(b"b "): assert line
            print(line.split()[1].decode())
            raw.sendall(b"c LOGOUT\r\n")
            raw.close()
            p = poplib.POP3("127.0.0.1", {{Port("pop3")}}, timeout=20)
            p.stls(context=ctx)
            p.user("{{user}}"); p.pass_("{{Password}}")
            lines = p.retr(1)[1]
            print(b"+OK INJECTED" in lines, any(l.endswith(b"-ERR INJECTED") for l in lines))
            print(p.noop().decode()[:3])
            lines = p.top(1, 10)[1]
            print(b"+OK INJECTED" in lines, any(l.endswith(b"-ERR INJECTED") for l in lines))
            print(p.noop().decode()[:3])
            p.quit()
            """);
        read.ShouldBe("+\nOK\nTrue True\n+OK\nTrue True\n+OK");
    }

    private async Task<int> IndexOfVariantAsync(string user, IReadOnlyList<long> uids, int variant)
    {
        for (var i = 0; i < uids.Count; i++)
        {
            if ((await fixture.ShowAsync(user, uids[i])).Contains($"Subject: variant {variant}\r\n", StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ShouldAssertException($"variant {variant} was not delivered");
    }

    private string Port(string protocol) => fixture.Server.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> Python(string script)
    {
        var result = await ExternalProcess.PythonAsync(script);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.ReplaceLineEndings("\n").TrimEnd();
    }
}
