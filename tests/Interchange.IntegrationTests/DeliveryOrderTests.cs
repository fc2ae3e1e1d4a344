using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// Acceptance order is delivery order (issue 9, point 3): messages one client sends one after
/// another to one mailbox get ascending UIDs in the order they were sent, whichever workers route
/// and deliver them. smtplib sends, imaplib reads back; each test has a mailbox of its own.
/// </summary>
public sealed class DeliveryOrderTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";
    private const string Password = "order-secret-4444";

    [Fact]
    public async Task OneSession_TwentyMessagesInARow_ArriveInSendingOrder()
    {
        var order = await SendAndReadBackAsync("order-one@example.test", sessions: 1, perSession: 20);
        order.ShouldBe(Enumerable.Range(1, 20).Select(i => $"order {i}"), "UID order is sending order");
    }

    [Fact]
    public async Task SessionsInSequence_ArriveInSendingOrder()
    {
        var order = await SendAndReadBackAsync("order-many@example.test", sessions: 5, perSession: 4);
        order.ShouldBe(Enumerable.Range(1, 20).Select(i => $"order {i}"), "UID order is sending order");
    }

    /// <summary>Sends <c>sessions × perSession</c> messages, each after the last was accepted; returns the subjects in UID order.</summary>
    private async Task<IReadOnlyList<string>> SendAndReadBackAsync(string user, int sessions, int perSession)
    {
        (await fixture.Cli(Password + "\n", "user", "add", user, "--password-stdin")).ExitCode.ShouldBe(0);
        var total = sessions * perSession;
        var result = await ExternalProcess.PythonAsync($$"""
            import imaplib, smtplib, ssl, time
            {{Tls}}
            n = 0
            for session in range({{sessions}}):
                s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
                for i in range({{perSession}}):
                    n += 1
                    s.sendmail("sender@remote.test", ["{{user}}"], ("Subject: order %d\r\n\r\nmessage %d\r\n" % (n, n)).encode())
                s.quit()
            m = imaplib.IMAP4_SSL("127.0.0.1", {{Port("imaps")}}, ssl_context=ctx)
            m.login("{{user}}", "{{Password}}")
            deadline = time.monotonic() + 30
            while True:
                typ, data = m.select("INBOX")
                if int(data[0]) >= {{total}} or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            for part in data:
                if isinstance(part, tuple):
                    print(part[1].decode().strip()[len("Subject: "):])
            m.logout()
            """);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var subjects = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        subjects.Length.ShouldBe(total, "every message arrived, once");
        return subjects;
    }

    private string Port(string protocol) => fixture.Server.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
