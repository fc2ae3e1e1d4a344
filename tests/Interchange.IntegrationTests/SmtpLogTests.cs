using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// What an administrator reads in the server's log (its standard error): each refusal once, with
/// the client, the command and the reply; and never a control character a sender chose.
/// </summary>
public sealed class SmtpLogTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";

    [Fact]
    public async Task EachRefusal_IsLoggedOnce_WithClientCommandAndReply()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var rcpts = string.Join("\n", Enumerable.Range(0, 101).Select(_ => "> RCPT TO:<alice@example.test>\n<"));
        var big = string.Join("\n", Enumerable.Repeat($"> {new string('y', 998)}", (MailServerFixture.MaxMessageSize / 1000) + 20));
        var replies = await fixture.RawAsync("smtp", $"""
            > EHLO client
            <
            > MAIL FROM:<s-{id}@remote.test>
            <
            > RCPT TO:<victim-{id}@elsewhere.test>
            <
            > RCPT TO:<nobody-{id}@example.test>
            <
            > RSET
            <
            > MAIL FROM:<size-{id}@remote.test> SIZE=999999999
            <
            > MAIL FROM:<many-{id}@remote.test>
            <
            {rcpts}
            > RSET
            <
            > MAIL FROM:<big-{id}@remote.test>
            <
            > RCPT TO:<alice@example.test>
            <
            > DATA
            <
            > Subject: big
            >
            {big}
            > .
            <
            > QUIT
            <
            """);
        replies[3].ShouldStartWith("554 5.7.1");
        replies[4].ShouldStartWith("550 5.1.1");
        replies[6].ShouldStartWith("552 5.3.4");
        replies[108].ShouldStartWith("452 4.5.3");
        replies[^2].ShouldStartWith("552 5.3.4");

        var sender = await Python($$"""
            import smtplib, ssl
            {{Tls}}
            s = smtplib.SMTP("127.0.0.1", {{fixture.Server.Port("submission")}}, timeout=20)
            s.starttls(context=ctx); s.ehlo()
            s.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            try:
                s.sendmail("notmine-{{id}}@example.test", ["bob@example.test"], b"Subject: x\r\n\r\nx\r\n")
            except smtplib.SMTPSenderRefused as e:
                print(e.smtp_code)
            s.quit()
            """);
        sender.ShouldBe("553");

        await OneLineAsync($"RCPT TO:<victim-{id}@elsewhere.test>", "554 5.7.1");
        await OneLineAsync($"RCPT TO:<nobody-{id}@example.test>", "550 5.1.1");
        await OneLineAsync($"MAIL FROM:<size-{id}@remote.test> SIZE=999999999", "552 5.3.4");
        await OneLineAsync($"<many-{id}@remote.test>", "452 4.5.3");
        await OneLineAsync($"<big-{id}@remote.test>", "552 5.3.4");
        await OneLineAsync($"MAIL FROM:<notmine-{id}@example.test>", "553 5.7.1");
    }

    [Fact]
    public async Task TheQueuedLine_NamesTheSenderOnce()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var replies = await fixture.RawAsync("smtp", $"""
            > EHLO client
            <
            > MAIL FROM:<q-{id}@remote.test>
            <
            > RCPT TO:<alice@example.test>
            <
            > DATA
            <
            > Subject: queued
            >
            > x
            > .
            <
            > QUIT
            <
            """);
        replies[5].ShouldStartWith("250 2.0.0 Ok: queued as");
        var line = await fixture.Server.WaitForLogAsync(l => l.Contains("queued message", StringComparison.Ordinal) && l.Contains($"q-{id}@", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        line.ShouldContain($" from <q-{id}@remote.test> to 1 recipient");
        line.ShouldNotContain("<<");
    }

    [Fact]
    public async Task ControlCharactersFromASender_NeverReachTheLog()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var result = await Python($$"""
            import socket
            s = socket.create_connection(("127.0.0.1", {{fixture.Server.Port("smtp")}}), timeout=20)
            f = s.makefile("rb")
            def say(line):
                s.sendall(line + b"\r\n")
                while True:
                    reply = f.readline().decode()
                    if reply[3:4] != "-":
                        print(reply[:3])
                        return
            f.readline()
            say(b"EHLO esc\x1b[31m-nul\x00-helo")
            say(b"MAIL FROM:<ctl-{{id}}@remote.test> SIZE=999999999 X-ESC=\x1b[2J\x00")
            say(b"MAIL FROM:<ctl-{{id}}@remote.test> SMTPUTF8")
            say(b"RCPT TO:<nobody\x1b[1m-{{id}}@example.test>")
            say(b"RCPT TO:<c1\xc2\x9b1m-{{id}}@example.test>")
            say(b"RCPT TO:<alice@example.test>")
            say(b"DATA")
            say(b"Message-ID: <esc\x1b[31m-nul\x00-{{id}}@remote.test>\r\nSubject: ctl\x07\r\n\r\nbody\r\n.")
            say(b"QUIT")
            """);
        result.ShouldBe("250\n552\n250\n501\n550\n250\n354\n250\n221");

        // The categorizer names the message by its Message-ID: wait for that line, then look at all.
        var routed = await fixture.Server.WaitForLogAsync(l => l.Contains("routed", StringComparison.Ordinal) && l.Contains($"ctl-{id}@remote.test", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        routed.ShouldContain($"-{id}@remote.test");
        var dirty = fixture.Server.Stderr.Where(l => l.Any(c => char.IsControl(c) && c != '\t')).ToList();
        dirty.ShouldBeEmpty(string.Join("\n", dirty.Select(l => l.Replace("\u001b", "<ESC>", StringComparison.Ordinal).Replace("\0", "<NUL>", StringComparison.Ordinal))));
        fixture.Server.Stderr.ShouldContain(l => l.Contains($"ctl-{id}@remote.test", StringComparison.Ordinal) && l.Contains("X-ESC=\\x1B[2J\\x00", StringComparison.Ordinal), "the refused MAIL is logged, escaped");
        fixture.Server.Stderr.ShouldContain(l => l.Contains($"RCPT TO:<c1\\x9B1m-{id}@example.test>", StringComparison.Ordinal), "the unknown recipient is logged, its C1 control escaped");
    }

    /// <summary>Exactly one log line holds both the text and the reply (waiting a bounded time for it).</summary>
    private async Task OneLineAsync(string text, string reply)
    {
        bool Match(string l) => l.Contains(text, StringComparison.Ordinal) && l.Contains(reply, StringComparison.Ordinal);
        var line = await fixture.Server.WaitForLogAsync(Match, TimeSpan.FromSeconds(10));
        line.ShouldContain("127.0.0.1");
        fixture.Server.Stderr.Count(Match).ShouldBe(1, string.Join("\n", fixture.Server.Stderr.Where(l => l.Contains(text, StringComparison.Ordinal))));
    }

    private static async Task<string> Python(string script)
    {
        var result = await ExternalProcess.PythonAsync(script);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.ReplaceLineEndings("\n").TrimEnd();
    }
}
