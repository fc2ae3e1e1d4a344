using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>A server whose IMAP command deadline is 2 s: shorter than the transfer under test.</summary>
public sealed class ShortCommandDeadlineFixture : SessionLimitsFixture
{
    protected override bool SmallLimits => false;

    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["INTERCHANGE__Imap__IdleTimeout"] = "00:00:02",
    };
}

/// <summary>
/// The command deadline bounds how long a client takes to send its command, not how long the answer takes to
/// reach it: a client that reads a big FETCH steadily (well above the minimum data rate) for longer than the
/// deadline gets all of it.
/// </summary>
public sealed class LongTransferTests(ShortCommandDeadlineFixture fixture, ITestOutputHelper output) : IClassFixture<ShortCommandDeadlineFixture>
{
    [Fact]
    public async Task AFetchThatTakesLongerThanTheCommandDeadline_IsNotCutOff_WhileTheClientReadsAtAFairRate()
    {
        var script = $$"""
            import smtplib, socket, time, imaplib
            line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd\r\n"
            body = line * 110000  # 8.6 MB
            message = "From: big@remote.test\r\nTo: alice@example.test\r\nSubject: long transfer\r\n\r\n" + body
            with smtplib.SMTP("127.0.0.1", {{fixture.Port("smtp")}}, timeout=60) as s:
                s.sendmail("big@remote.test", ["alice@example.test"], message)

            deadline = time.time() + 60
            while True:
                m = imaplib.IMAP4("127.0.0.1", {{fixture.Port("imap")}})
                m.login("alice@example.test", "{{SessionLimitsFixture.Password}}")
                typ, data = m.select("INBOX")
                m.logout()
                if int(data[0]) >= 1 or time.time() > deadline:
                    break
                time.sleep(0.2)

            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            sock.settimeout(30)
            sock.connect(("127.0.0.1", {{fixture.Port("imap")}}))
            f = sock.makefile("rb")
            f.readline()
            sock.sendall(b'a LOGIN alice@example.test {{SessionLimitsFixture.Password}}\r\nb SELECT INBOX\r\nc FETCH 1 BODY.PEEK[TEXT]\r\n')
            start = time.time()
            received = 0
            rate = 1_000_000  # bytes per second: thousands of times the minimum data rate
            tail = b""
            while True:
                chunk = f.read1(65536)
                if not chunk:
                    break
                received += len(chunk)
                tail = (tail + chunk)[-200:]
                if b"\r\nc OK" in tail or b"\r\nc NO" in tail or b"\r\nc BAD" in tail or b"* BYE" in tail:
                    break
                ahead = received / rate - (time.time() - start)
                if ahead > 0:
                    time.sleep(ahead)
            elapsed = time.time() - start
            print(f"received {received} bytes in {elapsed:.1f} s; tail {tail[-60:]!r}")
            assert elapsed > 2.5, "the transfer should outlast the 2 s command deadline for the test to mean anything"
            assert received >= len(body), f"only {received} of {len(body)} bytes"
            # The answer is whole; the next command's deadline starts once it was written (the client may still be
            # reading the socket's buffers then, so what follows is not this test's business).
            assert b"c OK FETCH completed" in tail and b"BYE" not in tail.split(b"c OK")[0], tail
            """;
        var result = await ExternalProcess.PythonAsync(script, TimeSpan.FromSeconds(150));
        output.WriteLine(result.Stdout + result.Stderr);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
    }
}
