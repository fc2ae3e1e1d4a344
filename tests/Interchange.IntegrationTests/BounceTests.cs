using System.Text.Json;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// The bounce step end to end, with independent clients: Python's smtplib queues mail for a
/// remote domain (through an alias, as an unauthenticated client may not relay), routed to a
/// connector that does not run, so it waits; <c>interchange queue bounce</c> fails it, and
/// Python's imaplib reads the DSN from the sender's INBOX, parsed by Python's <c>email</c>
/// package as RFC 3464. A message from &lt;&gt; that fails gets no DSN and leaves the queue.
/// </summary>
public sealed class BounceTests : IAsyncLifetime
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";
    private const string Password = "bounce-secret-5150";

    private const string Parked = "parked";

    // The bounce step is not pulsed by the CLI (another process): a short poll finds its failures.
    // remote.test is routed to a connector nobody runs, so its mail waits for the administrator.
    private static readonly Dictionary<string, string> ServerEnvironment = new()
    {
        ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.200",
        ["INTERCHANGE__Transport__Routes__0__AddressSpace"] = "remote.test",
        ["INTERCHANGE__Transport__Routes__0__Connector"] = Parked,
    };

    private readonly ScratchFolder _data = new();

    public async Task InitializeAsync()
    {
        await using var server = await ServerProcess.StartAsync(_data.Path, ["http"]);
        server.Terminate();
        (await server.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_bounced_message_brings_the_sender_one_rfc_3464_dsn_and_a_failed_dsn_is_dropped()
    {
        await using var server = await ServerProcess.StartAsync(_data.Path, ["smtp", "imaps"], environment: ServerEnvironment);
        await Cli(null, "domain", "add", "example.test");
        (await Cli(Password + "\n", "user", "add", "alice@example.test", "--password-stdin")).ExitCode.ShouldBe(0);
        (await Cli(null, "alias", "add", "partner@example.test", "partner@remote.test")).ExitCode.ShouldBe(0);
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            with smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=20) as s:
                s.sendmail("alice@example.test", ["partner@example.test"], b"From: alice@example.test\r\nSubject: quarterly figures\r\nMessage-ID: <figures-1@example.test>\r\n\r\nSee attached.\r\n", rcpt_options=["NOTIFY=FAILURE", "ORCPT=rfc822;partner@example.test"], mail_options=["ENVID=Q-42", "RET=HDRS"])
                s.sendmail("", ["partner@example.test"], b"From: MAILER-DAEMON@elsewhere.test\r\nSubject: a bounce\r\n\r\nundeliverable\r\n")
            """);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));

        var original = await QueuedIdAsync("alice@example.test");
        var bounce = await QueuedIdAsync("<>");
        (await Cli(null, "queue", "bounce", original)).ExitCode.ShouldBe(0);
        (await Cli(null, "queue", "bounce", bounce)).ExitCode.ShouldBe(0);

        await server.WaitForLogAsync(l => l.Contains($"DSN for message {bounce} dropped: the message is itself a DSN", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync(l => l.Contains($"for message {original} queued to <alice@example.test>", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        var read = await ExternalProcess.PythonAsync($$"""
            import email, email.policy, imaplib, json, ssl, time
            {{Tls}}
            m = imaplib.IMAP4_SSL("127.0.0.1", {{server.Port("imaps")}}, ssl_context=ctx)
            m.login("alice@example.test", "{{Password}}")
            deadline = time.monotonic() + 30
            while True:
                typ, data = m.select("INBOX")
                if int(data[0]) >= 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            typ, data = m.fetch("1:*", "(RFC822)")
            raws = [part[1] for part in data if isinstance(part, tuple)]
            msg = email.message_from_bytes(raws[0], policy=email.policy.default)
            parts = msg.get_payload()
            defects = [type(d).__name__ for part in msg.walk() for d in part.defects]
            print(json.dumps({
                'count': len(raws),
                'return_path': msg['Return-Path'],
                'from': msg['From'],
                'content_type': msg.get_content_type(),
                'report_type': msg.get_param('report-type'),
                'parts': [p.get_content_type() for p in parts],
                'blocks': [{k: str(v) for k, v in b.items()} for b in parts[1].get_payload()],
                'returned': parts[2].get_content(),
                'defects': defects,
            }))
            m.logout()
            """);
        read.ExitCode.ShouldBe(0, ExternalProcess.Describe(read));
        using var dsn = JsonDocument.Parse(read.Stdout);
        var root = dsn.RootElement;
        root.GetProperty("count").GetInt32().ShouldBe(1, "one DSN; none for the message from <>");
        root.GetProperty("return_path").GetString().ShouldBe("<>");
        root.GetProperty("from").GetString()!.ShouldContain("MAILER-DAEMON@");
        (root.GetProperty("content_type").GetString(), root.GetProperty("report_type").GetString()).ShouldBe(("multipart/report", "delivery-status"));
        root.GetProperty("parts").EnumerateArray().Select(p => p.GetString()).ShouldBe(["text/plain", "message/delivery-status", "text/rfc822-headers"], "RET=HDRS: the header comes back");
        root.GetProperty("defects").GetArrayLength().ShouldBe(0);
        var blocks = root.GetProperty("blocks").EnumerateArray().ToList();
        blocks[0].GetProperty("Original-Envelope-Id").GetString().ShouldBe("Q-42");
        var recipient = blocks.Skip(1).ShouldHaveSingleItem();
        recipient.GetProperty("Final-Recipient").GetString().ShouldBe("rfc822;partner@remote.test");
        recipient.GetProperty("Original-Recipient").GetString().ShouldBe("rfc822;partner@example.test");
        recipient.GetProperty("Action").GetString().ShouldBe("failed");
        recipient.GetProperty("Status").GetString().ShouldBe("5.0.0");
        root.GetProperty("returned").GetString()!.ShouldContain("Subject: quarterly figures");

        // Both originals left the queue, and the DSN was delivered: nothing waits.
        (await Cli(null, "queue", "show", bounce)).ExitCode.ShouldBe(1);
        (await Cli(null, "queue", "show", original)).ExitCode.ShouldBe(1);
        (await Cli(null, "queue", "list")).Stdout.Trim().ShouldBeEmpty();
    }

    /// <summary>The queue id of the routed message from <paramref name="sender"/>, waiting (bounded) for routing.</summary>
    private async Task<string> QueuedIdAsync(string sender)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var list = await Cli(null, "queue", "list", "--from", sender, "--connector", Parked);
            list.ExitCode.ShouldBe(0, ExternalProcess.Describe(list));
            if (list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } line)
            {
                return line.Split('\t')[0];
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no routed message from {sender}");
    }

    private Task<ExternalProcess.Result> Cli(string? stdin, params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, stdin, arguments);
}
