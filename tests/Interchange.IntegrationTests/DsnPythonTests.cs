using System.Text;
using System.Text.Json;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Transport;
using Interchange.Transport.Bounces;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// The DSNs DsnBuilder makes, read by an independent parser: Python's <c>email</c> package
/// (<c>/usr/bin/python3</c>, <c>policy=email.policy.default</c>), which splits a
/// message/delivery-status part into its header blocks.
/// </summary>
public sealed class DsnPythonTests
{
    // Prints what the parser saw as JSON; ensure_ascii keeps stdout ASCII whatever the DSN holds.
    private const string Reader = """
        import email, email.policy, json, sys
        raw = open(sys.argv[1], 'rb').read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        defects = []
        for part in msg.walk():
            defects += [type(d).__name__ for d in part.defects]
        parts = msg.get_payload()
        out = {
            'content_type': msg.get_content_type(),
            'report_type': msg.get_param('report-type'),
            'headers': {k: str(v) for k, v in msg.items()},
            'defects': defects,
            'parts': [p.get_content_type() for p in parts],
            'text': parts[0].get_content(),
            'blocks': [{k: str(v) for k, v in b.items()} for b in parts[1].get_payload()],
        }
        returned = parts[2]
        if returned.get_content_type() in ('message/rfc822', 'message/global'):
            inner = returned.get_payload(0)
            out['returned_headers'] = {k: str(v) for k, v in inner.items()}
            out['returned_body'] = inner.get_payload(decode=True).decode('utf-8')
        elif returned.get_content_type() == 'message/global-headers':
            inner = returned.get_payload(0)
            out['returned_headers'] = {k: str(v) for k, v in inner.items()}
        else:
            out['returned_text'] = returned.get_content()
        print(json.dumps(out))
        """;

    private static readonly DateTimeOffset Arrival = new(2026, 11, 30, 8, 15, 0, TimeSpan.Zero);

    private const string Body = "Hello Bob,\r\nsee you at noon.\r\n";

    [Fact]
    public async Task A_failure_for_several_recipients_with_envid_and_orcpt_parses_as_rfc_3464()
    {
        var original = Original(Body);
        var dsn = await BuildAsync(
            Envelope(ret: "FULL", envelopeId: "QQ314159"),
            original,
            Failed("bob@remote.test", "550 5.1.1 <bob@remote.test>: Recipient address rejected: User unknown in virtual mailbox table") with { OriginalRecipient = "rfc822;Bob+2BTag@remote.test" },
            Failed("carol@remote.test", "552 5.2.2 <carol@remote.test>: mailbox full"));

        var seen = await ParseAsync(dsn);

        seen.GetProperty("content_type").GetString().ShouldBe("multipart/report");
        seen.GetProperty("report_type").GetString().ShouldBe("delivery-status");
        seen.GetProperty("defects").GetArrayLength().ShouldBe(0);
        Strings(seen.GetProperty("parts")).ShouldBe(["text/plain", "message/delivery-status", "message/rfc822"]);
        var headers = seen.GetProperty("headers");
        headers.GetProperty("From").GetString().ShouldBe("Mail Delivery System <MAILER-DAEMON@mail.example.com>");
        headers.GetProperty("To").GetString().ShouldBe("alice@example.com");
        headers.GetProperty("Subject").GetString().ShouldBe("Undelivered Mail Returned to Sender");
        headers.GetProperty("Auto-Submitted").GetString().ShouldBe("auto-replied");

        var blocks = seen.GetProperty("blocks");
        blocks.GetArrayLength().ShouldBe(3);
        blocks[0].GetProperty("Reporting-MTA").GetString().ShouldBe("dns; mail.example.com");
        blocks[0].GetProperty("Original-Envelope-Id").GetString().ShouldBe("QQ314159");
        blocks[0].GetProperty("Arrival-Date").GetString().ShouldBe("Mon, 30 Nov 2026 08:15:00 +0000");
        blocks[1].GetProperty("Original-Recipient").GetString().ShouldBe("rfc822;Bob+Tag@remote.test");
        blocks[1].GetProperty("Final-Recipient").GetString().ShouldBe("rfc822;bob@remote.test");
        blocks[1].GetProperty("Action").GetString().ShouldBe("failed");
        blocks[1].GetProperty("Status").GetString().ShouldBe("5.1.1");
        blocks[1].GetProperty("Remote-MTA").GetString().ShouldBe("dns; mx.remote.test");
        blocks[1].GetProperty("Diagnostic-Code").GetString().ShouldBe("smtp; 550 5.1.1 <bob@remote.test>: Recipient address rejected: User unknown in virtual mailbox table");
        blocks[2].GetProperty("Final-Recipient").GetString().ShouldBe("rfc822;carol@remote.test");
        blocks[2].GetProperty("Status").GetString().ShouldBe("5.2.2");
        blocks[2].TryGetProperty("Original-Recipient", out _).ShouldBeFalse();

        seen.GetProperty("returned_headers").GetProperty("Message-ID").GetString().ShouldBe("<orig-1@example.com>");
        seen.GetProperty("returned_headers").GetProperty("Subject").GetString().ShouldBe("Lunch");
        seen.GetProperty("returned_body").GetString().ShouldBe(Body);
        seen.GetProperty("text").GetString()!.ShouldContain("<carol@remote.test>: delivery failed.");
    }

    [Fact]
    public async Task Ret_hdrs_returns_text_rfc822_headers_that_python_reads_as_the_header()
    {
        var dsn = await BuildAsync(Envelope(ret: "HDRS"), Original("SECRET BODY\r\n"), Failed("bob@remote.test", "550 5.1.1 no such user"));

        var seen = await ParseAsync(dsn);

        seen.GetProperty("defects").GetArrayLength().ShouldBe(0);
        Strings(seen.GetProperty("parts")).ShouldBe(["text/plain", "message/delivery-status", "text/rfc822-headers"]);
        var returned = seen.GetProperty("returned_text").GetString()!.Replace("\r\n", "\n", StringComparison.Ordinal);
        returned.ShouldBe(Encoding.ASCII.GetString(Original(string.Empty)).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n");
        returned.ShouldNotContain("SECRET BODY");
    }

    [Fact]
    public async Task Ret_full_with_a_large_original_returns_its_header_under_the_cap()
    {
        var body = string.Concat(Enumerable.Repeat("A line of a large message body, repeated.\r\n", 20_000)) + "THE END\r\n";
        var dsn = await BuildAsync(Envelope(ret: "FULL"), Original(body), Failed("bob@remote.test", "552 5.3.4 message too big"));

        dsn.Length.ShouldBeLessThan(new TransportOptions().DsnReturnLimit);
        var seen = await ParseAsync(dsn);

        seen.GetProperty("defects").GetArrayLength().ShouldBe(0);
        Strings(seen.GetProperty("parts")).ShouldBe(["text/plain", "message/delivery-status", "text/rfc822-headers"]);
        var returned = seen.GetProperty("returned_text").GetString()!;
        returned.ShouldContain("Message-ID: <orig-1@example.com>");
        returned.ShouldNotContain("THE END");
        seen.GetProperty("text").GetString()!.ShouldContain("too large to return in full");
    }

    [Fact]
    public async Task A_delay_warning_parses_with_its_retry_deadline()
    {
        var delayed = new DsnRecipient("bob@remote.test", DsnAction.Delayed)
        {
            Notify = "DELAY,FAILURE",
            Status = "4.4.1",
            RemoteMta = "mx.remote.test",
            RemoteReply = "421 4.4.1 connection timed out",
            LastAttempt = Arrival.AddHours(4),
            WillRetryUntil = Arrival.AddDays(5),
        };
        var dsn = await BuildAsync(Envelope(ret: null), Original(Body), delayed);

        var seen = await ParseAsync(dsn);

        seen.GetProperty("defects").GetArrayLength().ShouldBe(0);
        seen.GetProperty("headers").GetProperty("Subject").GetString().ShouldBe("Delayed Mail (still being retried)");
        var block = seen.GetProperty("blocks")[1];
        block.GetProperty("Action").GetString().ShouldBe("delayed");
        block.GetProperty("Status").GetString().ShouldBe("4.4.1");
        block.GetProperty("Will-Retry-Until").GetString().ShouldBe("Sat, 5 Dec 2026 08:15:00 +0000");
        block.GetProperty("Last-Attempt-Date").GetString().ShouldBe("Mon, 30 Nov 2026 12:15:00 +0000");
        Strings(seen.GetProperty("parts"))[2].ShouldBe("text/rfc822-headers");
        seen.GetProperty("text").GetString()!.ShouldContain("This is only a warning");
    }

    [Fact]
    public async Task Envid_and_orcpt_that_decode_to_crlf_forge_no_field_python_can_see()
    {
        var dsn = await BuildAsync(
            Envelope(ret: "FULL", envelopeId: "id\r\nX-Injected: envid"),
            Original(Body),
            Failed("bob@remote.test", "550 5.1.1 no such user\r\nX-Injected: reply") with { OriginalRecipient = "rfc822;bob@remote.test+0D+0AX-Injected:+20orcpt" });

        var seen = await ParseAsync(dsn);

        seen.GetProperty("defects").GetArrayLength().ShouldBe(0);
        seen.GetProperty("headers").TryGetProperty("X-Injected", out _).ShouldBeFalse();
        var blocks = seen.GetProperty("blocks");
        blocks.GetArrayLength().ShouldBe(2);
        foreach (var block in blocks.EnumerateArray())
        {
            block.EnumerateObject().Select(p => p.Name).ShouldNotContain("X-Injected");
        }

        blocks[0].TryGetProperty("Original-Envelope-Id", out _).ShouldBeFalse();
        blocks[1].TryGetProperty("Original-Recipient", out _).ShouldBeFalse();
        blocks[1].GetProperty("Diagnostic-Code").GetString().ShouldBe("smtp; 550 5.1.1 no such user X-Injected: reply");
    }

    [Fact]
    public async Task An_international_report_parses_with_the_utf8_sender_and_a_message_global_original()
    {
        var original = Encoding.UTF8.GetBytes("From: José <josé@exämple.com>\r\nTo: bøb@remote.test\r\nSubject: Grüße\r\nMessage-ID: <intl@example.com>\r\n\r\nHallo\r\n");
        var envelope = Envelope(sender: "josé@exämple.com", ret: "FULL") with { SmtpUtf8 = true };
        var dsn = await BuildAsync(envelope, original, Failed("bøb@remote.test", "550 5.1.1 unknown") with { OriginalRecipient = "utf-8;b+C3+B8b@remote.test" });

        var seen = await ParseAsync(dsn);

        seen.GetProperty("defects").GetArrayLength().ShouldBe(0);
        seen.GetProperty("headers").GetProperty("To").GetString().ShouldBe("josé@exämple.com");
        Strings(seen.GetProperty("parts"))[2].ShouldBe("message/global");
        var block = seen.GetProperty("blocks")[1];
        block.GetProperty("Final-Recipient").GetString().ShouldBe("utf-8;b\\x{F8}b@remote.test");
        block.GetProperty("Original-Recipient").GetString().ShouldBe("utf-8;b\\x{F8}b@remote.test");
        seen.GetProperty("returned_headers").GetProperty("Subject").GetString().ShouldBe("Grüße");
        seen.GetProperty("returned_body").GetString().ShouldBe("Hallo\r\n");
    }

    private static byte[] Original(string body) =>
        Encoding.UTF8.GetBytes(
            "Received: from client.example.org ([192.0.2.7]) by mail.example.com; Mon, 30 Nov 2026 08:15:00 +0000\r\n"
            + "From: Alice <alice@example.com>\r\n"
            + "To: bob@remote.test, carol@remote.test\r\n"
            + "Subject: Lunch\r\n"
            + "Message-ID: <orig-1@example.com>\r\n"
            + "Date: Mon, 30 Nov 2026 08:14:59 +0000\r\n"
            + "\r\n"
            + body);

    private static Envelope Envelope(string sender = "alice@example.com", string? ret = null, string? envelopeId = null) =>
        new(sender, [new QueuedRecipient("bob@remote.test"), new QueuedRecipient("carol@remote.test")], "client.example.org [192.0.2.7]", EnvelopeId: envelopeId, Return: ret);

    private static DsnRecipient Failed(string address, string reply) =>
        new(address, DsnAction.Failed) { Status = reply[4..9], RemoteMta = "mx.remote.test", RemoteReply = reply, LastAttempt = Arrival.AddMinutes(1) };

    private static async Task<byte[]> BuildAsync(Envelope envelope, byte[] original, params DsnRecipient[] recipients)
    {
        var builder = new DsnBuilder("mail.example.com", new TransportOptions());
        using var content = new BytesContent(original);
        var result = await builder.BuildAsync(new DsnRequest(envelope, Arrival, content, recipients));
        result.IsBuilt.ShouldBeTrue();
        result.Envelope!.MailFrom.ShouldBe(string.Empty);
        return result.Content!;
    }

    private static async Task<JsonElement> ParseAsync(byte[] dsn)
    {
        var path = Path.Combine(Path.GetTempPath(), $"interchange-dsn-{Guid.NewGuid():N}.eml");
        await File.WriteAllBytesAsync(path, dsn);
        try
        {
            var result = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", Reader, path], timeout: TimeSpan.FromSeconds(30));
            result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
            return JsonDocument.Parse(result.Stdout).RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();
}
