using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// Issue 8 item 4: a client that sends one byte every half second is cut off by an absolute
/// deadline (not authenticated in time, envelope not finished in time) or by the minimum data
/// rate (DATA, APPEND literal), with its protocol's message; a normal client is not.
/// </summary>
public sealed class SlowClientTests(SessionLimitsFixture fixture, ITestOutputHelper output) : IClassFixture<SessionLimitsFixture>
{
    // The deadlines are 3 s (login) and 5 s (envelope), the rate 200 bytes/s after 1 s; the
    // heartbeat checks once a second. Dripping goes on for 15 s at most.
    private static readonly double Bound = 9;

    [Fact]
    public async Task Imap_a_client_dripping_before_login_gets_BYE_at_the_login_deadline()
    {
        var result = await fixture.DripAsync(output, "imap", "a1 NOOP\r\n", 500);

        result.Closed.ShouldBeTrue("the server must close a connection that never logs in");
        result.Seconds.ShouldBeLessThan(Bound);
        result.Received.ShouldContain("* BYE");
    }

    [Fact]
    public async Task Pop3_a_client_dripping_before_login_gets_ERR_at_the_login_deadline()
    {
        var result = await fixture.DripAsync(output, "pop3", "CAPA\r\n", 500);

        result.Closed.ShouldBeTrue("the server must close a connection that never logs in");
        result.Seconds.ShouldBeLessThan(Bound);
        result.Received.ShouldContain("-ERR");
    }

    [Fact]
    public async Task Submission_a_client_dripping_before_AUTH_gets_421_at_the_login_deadline()
    {
        var result = await fixture.DripAsync(output, "submission", "NOOP\r\n", 500);

        result.Closed.ShouldBeTrue("the server must close a submission connection that never authenticates");
        result.Seconds.ShouldBeLessThan(Bound);
        result.Received.ShouldContain("421 4.4.2");
    }

    [Fact]
    public async Task Smtp_a_client_dripping_commands_on_port_25_gets_421_at_the_envelope_deadline()
    {
        var result = await fixture.DripAsync(output, "smtp", "NOOP\r\n", 500, ("EHLO drip.test\r\n", "250 "));

        result.Closed.ShouldBeTrue("a port-25 session must reach DATA within the envelope deadline");
        result.Seconds.ShouldBeLessThan(Bound);
        result.Received.ShouldContain("421 4.4.2");
    }

    [Fact]
    public async Task Smtp_a_client_dripping_DATA_gets_421_when_below_the_minimum_rate()
    {
        var result = await fixture.DripAsync(
            output,
            "smtp",
            "x",
            500,
            ("EHLO drip.test\r\n", "250 "),
            ("MAIL FROM:<drip@remote.test>\r\n", "250"),
            ("RCPT TO:<alice@example.test>\r\n", "250"),
            ("DATA\r\n", "354"));

        result.Closed.ShouldBeTrue("DATA at 2 bytes/s is below the minimum rate");
        result.Seconds.ShouldBeLessThan(Bound);
        result.Received.ShouldContain("421 4.4.2");
    }

    [Fact]
    public async Task Imap_a_client_dripping_an_APPEND_literal_gets_BYE_when_below_the_minimum_rate()
    {
        var result = await fixture.DripAsync(
            output,
            "imap",
            "x",
            500,
            ($"a1 LOGIN alice@example.test {SessionLimitsFixture.Password}\r\n", "a1 OK"),
            ("a2 APPEND INBOX {100000}\r\n", "+"));

        result.Closed.ShouldBeTrue("an APPEND literal at 2 bytes/s is below the minimum rate");
        result.Seconds.ShouldBeLessThan(Bound);
        result.Received.ShouldContain("* BYE");
    }

    [Fact]
    public async Task Pop3_a_client_that_stops_reading_a_long_RETR_is_cut_off()
    {
        // 16 MiB: more than the kernel buffers on both sides hold, so the server's flushes wait.
        (await fixture.Cli(SessionLimitsFixture.Password + "\n", "user", "add", "reader@example.test", "--password-stdin")).ExitCode.ShouldBe(0);
        var result = await ExternalProcess.PythonAsync($$"""
            import poplib, smtplib, socket, time
            size = 16 * 1024 * 1024
            line = "x" * 78 + "\r\n"
            message = "Subject: big\r\n\r\n" + line * (size // len(line))
            with smtplib.SMTP("127.0.0.1", {{fixture.Port("smtp")}}, timeout=60) as s:
                s.sendmail("a@remote.test", ["reader@example.test"], message)
            deadline = time.monotonic() + 30
            while True:
                p = poplib.POP3("127.0.0.1", {{fixture.Port("pop3")}}, timeout=30)
                p.user("reader@example.test"); p.pass_("{{SessionLimitsFixture.Password}}")
                count = p.stat()[0]
                p.quit()
                if count or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            sock = socket.create_connection(("127.0.0.1", {{fixture.Port("pop3")}}), timeout=10)
            sock.recv(1000)
            sock.sendall(b"USER reader@example.test\r\nPASS {{SessionLimitsFixture.Password}}\r\n")
            time.sleep(1)
            sock.recv(1000)
            sock.sendall(b"RETR 1\r\n")
            time.sleep(6)  # reads nothing: the server's buffers fill and its flush waits
            received, closed, started = 0, False, time.monotonic()
            sock.settimeout(1)
            while time.monotonic() - started < 20:
                try:
                    chunk = sock.recv(1 << 20)
                except socket.timeout:
                    continue
                if not chunk:
                    closed = True
                    break
                received += len(chunk)
            print(count, closed, received < size, received)
            """, TimeSpan.FromSeconds(120));
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        output.WriteLine("messages, closed, cut short, bytes received: " + result.Stdout.Trim());
        result.Stdout.Trim().ShouldStartWith("1 True True ");
    }

    [Fact]
    public async Task Normal_clients_are_not_affected_by_the_limits()
    {
        // Each client works for longer than the login deadline once logged in, and sends more
        // than the grace period's worth of data at a normal speed.
        var body = new string('x', 70) + "\r\n";
        var result = await ExternalProcess.PythonAsync($$"""
            import imaplib, poplib, smtplib, time
            message = "From: a@remote.test\r\nTo: alice@example.test\r\nSubject: normal\r\n\r\n" + {{Py(body)}} * 20000
            with smtplib.SMTP("127.0.0.1", {{fixture.Port("smtp")}}, timeout=30) as s:
                s.sendmail("a@remote.test", ["alice@example.test"], message)
                time.sleep(1)
                s.sendmail("a@remote.test", ["alice@example.test"], "Subject: second\r\n\r\nshort\r\n")
            with smtplib.SMTP("127.0.0.1", {{fixture.Port("submission")}}, timeout=30) as s:
                s.login("alice@example.test", "{{SessionLimitsFixture.Password}}")
                time.sleep(4)
                s.sendmail("alice@example.test", ["alice@example.test"], "Subject: submitted\r\n\r\nhi\r\n")
            i = imaplib.IMAP4("127.0.0.1", {{fixture.Port("imap")}}, timeout=30)
            i.login("alice@example.test", "{{SessionLimitsFixture.Password}}")
            time.sleep(4)
            print(i.append("INBOX", None, None, message.encode())[0])
            print(i.select("INBOX")[0])
            i.logout()
            p = poplib.POP3("127.0.0.1", {{fixture.Port("pop3")}}, timeout=30)
            p.user("alice@example.test"); p.pass_("{{SessionLimitsFixture.Password}}")
            time.sleep(4)
            print(p.stat()[0] >= 1)
            p.quit()
            """, TimeSpan.FromSeconds(90));
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        result.Stdout.ShouldBe("OK\nOK\nTrue\n");
    }

    private static string Py(string text) => "\"" + text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
