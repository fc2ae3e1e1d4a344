using System.Text;
using Interchange.Storage.Content;
using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Bounces;
using MimeKit;
using Shouldly;
using static Interchange.Tests.Transport.Bounces.DsnTestMessages;

namespace Interchange.Tests.Transport.Bounces;

/// <summary>DsnBuilder's rules, read back with MimeKit (the Python check is DsnPythonTests in the integration tests).</summary>
public sealed class DsnBuilderTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private DsnBuilder Builder(TransportOptions? options = null) => new("mail.example.com", options ?? new TransportOptions(), _clock);

    [Theory]
    [InlineData("")]
    [InlineData("<>")]
    public async Task A_message_from_the_null_reverse_path_gets_no_dsn(string sender)
    {
        var result = await Builder().BuildAsync(Request(Envelope(sender: sender), Original(), Failed("bob@remote.test")));

        result.IsBuilt.ShouldBeFalse();
        result.Skipped.ShouldBe(DsnSkipReason.NullSender);
        result.Content.ShouldBeNull();
    }

    [Fact]
    public async Task Notify_never_leaves_the_recipient_out_and_alone_builds_nothing()
    {
        var never = await Builder().BuildAsync(Request(Envelope(), Original(), Failed("bob@remote.test", notify: "NEVER")));
        never.Skipped.ShouldBe(DsnSkipReason.NotRequested);

        var mixed = await Builder().BuildAsync(Request(Envelope(), Original(), Failed("bob@remote.test", notify: "NEVER"), Failed("carol@remote.test")));
        mixed.IsBuilt.ShouldBeTrue();
        mixed.Reported.Select(r => r.Address).ShouldBe(["carol@remote.test"]);
        var groups = StatusGroups(mixed);
        groups.Count.ShouldBe(2);
        groups[1]["Final-Recipient"].ShouldBe("rfc822;carol@remote.test");
    }

    [Fact]
    public async Task Notify_lists_are_honoured_per_action()
    {
        // SUCCESS only: a failure is not reported.
        (await Builder().BuildAsync(Request(Envelope(), Original(), Failed("bob@remote.test", notify: "SUCCESS")))).Skipped.ShouldBe(DsnSkipReason.NotRequested);

        // SUCCESS: a delivery is.
        var delivered = new DsnRecipient("bob@remote.test", DsnAction.Delivered) { Notify = "SUCCESS", Status = "2.0.0", RemoteMta = "mx.remote.test", RemoteReply = "250 2.0.0 Ok: queued as 4AB" };
        var success = await Builder().BuildAsync(Request(Envelope(), Original(), delivered));
        success.IsBuilt.ShouldBeTrue();
        Message(success).Subject.ShouldBe("Successful Mail Delivery Report");
        StatusGroups(success)[1]["Action"].ShouldBe("delivered");

        // Without NOTIFY a delivery is not reported.
        (await Builder().BuildAsync(Request(Envelope(), Original(), delivered with { Notify = null }))).Skipped.ShouldBe(DsnSkipReason.NotRequested);

        // FAILURE,DELAY: a delay is reported even with warnings off by default.
        var delayed = new DsnRecipient("bob@remote.test", DsnAction.Delayed) { Notify = "FAILURE,DELAY" };
        (await Builder().BuildAsync(Request(Envelope(), Original(), delayed))).IsBuilt.ShouldBeTrue();
    }

    [Fact]
    public async Task Without_notify_a_delay_is_reported_only_when_delay_warnings_are_on()
    {
        var delayed = new DsnRecipient("bob@remote.test", DsnAction.Delayed) { RemoteMta = "mx.remote.test", RemoteReply = "451 4.3.0 try later" };

        (await Builder().BuildAsync(Request(Envelope(), Original(), delayed))).Skipped.ShouldBe(DsnSkipReason.NotRequested);
        var on = await Builder(new TransportOptions { DelayWarningAfter = TimeSpan.FromHours(4) }).BuildAsync(Request(Envelope(), Original(), delayed));
        on.IsBuilt.ShouldBeTrue();
    }

    [Fact]
    public async Task The_report_is_from_mailer_daemon_to_the_sender_over_the_null_path()
    {
        var result = await Builder().BuildAsync(Request(Envelope(), Original(), Failed("bob@remote.test")));
        var message = Message(result);

        result.Envelope!.MailFrom.ShouldBe(string.Empty);
        result.Envelope.Recipients.Select(r => r.Address).ShouldBe(["alice@example.com"]);
        result.Envelope.SmtpUtf8.ShouldBeFalse();
        message.From.Mailboxes.Single().Address.ShouldBe("MAILER-DAEMON@mail.example.com");
        message.From.Mailboxes.Single().Name.ShouldBe("Mail Delivery System");
        message.To.Mailboxes.Single().Address.ShouldBe("alice@example.com");
        message.Subject.ShouldBe("Undelivered Mail Returned to Sender");
        message.Headers["Auto-Submitted"].ShouldBe("auto-replied");
        message.Headers["MIME-Version"].ShouldBe("1.0");
        message.Date.ShouldBe(_clock.GetUtcNow());
        message.MessageId.ShouldEndWith("@mail.example.com");
        message.Body.ShouldNotBeNull().ContentType.MimeType.ShouldBe("multipart/report");
        message.Body.ContentType.Parameters["report-type"].ShouldBe("delivery-status");
    }

    [Fact]
    public async Task One_report_covers_every_failed_recipient_with_its_own_fields()
    {
        var request = Request(
            Envelope(envelopeId: "QQ314159"),
            Original(),
            Failed("bob@remote.test", orcpt: "rfc822;Bob+2BTag@remote.test"),
            Failed("carol@remote.test", reply: "552 5.2.2 <carol@remote.test>: mailbox full"));
        var result = await Builder().BuildAsync(request);
        var groups = StatusGroups(result);

        groups.Count.ShouldBe(3);
        groups[0]["Reporting-MTA"].ShouldBe("dns; mail.example.com");
        groups[0]["Original-Envelope-Id"].ShouldBe("QQ314159");
        groups[0]["Arrival-Date"].ShouldBe("Mon, 30 Nov 2026 08:15:00 +0000");
        groups[1]["Original-Recipient"].ShouldBe("rfc822;Bob+Tag@remote.test");
        groups[1]["Final-Recipient"].ShouldBe("rfc822;bob@remote.test");
        groups[1]["Action"].ShouldBe("failed");
        groups[1]["Status"].ShouldBe("5.1.1");
        groups[1]["Remote-MTA"].ShouldBe("dns; mx.remote.test");
        Unfold(groups[1]["Diagnostic-Code"]).ShouldBe("smtp; 550 5.1.1 <bob@remote.test>: Recipient address rejected: User unknown");
        groups[1]["Last-Attempt-Date"].ShouldBe("Mon, 30 Nov 2026 08:16:00 +0000");
        groups[2].Contains("Original-Recipient").ShouldBeFalse();
        groups[2]["Status"].ShouldBe("5.2.2");

        // The human-readable part wraps at 72 columns; its words are what matters.
        var text = string.Join(' ', ((TextPart)Report(result)[0]).Text.Split([' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
        text.ShouldContain("<bob@remote.test>: delivery failed.");
        text.ShouldContain("The server mx.remote.test said: 552 5.2.2 <carol@remote.test>: mailbox full");
    }

    [Fact]
    public async Task Ret_full_returns_the_original_byte_for_byte()
    {
        var original = Original();
        var result = await Builder().BuildAsync(Request(Envelope(ret: "FULL"), original, Failed("bob@remote.test")));

        var part = Report(result)[2];
        part.ContentType.MimeType.ShouldBe("message/rfc822");
        Encoding.ASCII.GetString(result.Content!).ShouldContain(Encoding.ASCII.GetString(original));
        part.ShouldBeAssignableTo<MessagePart>().ShouldNotBeNull().Message.ShouldNotBeNull().Subject.ShouldBe("Lunch");
    }

    [Fact]
    public async Task Ret_hdrs_returns_the_header_section_only()
    {
        var result = await Builder().BuildAsync(Request(Envelope(ret: "HDRS"), Original(body: "SECRET BODY\r\n"), Failed("bob@remote.test")));

        var part = Report(result)[2];
        part.ContentType.MimeType.ShouldBe("text/rfc822-headers");
        var content = Encoding.ASCII.GetString(result.Content!);
        content.ShouldContain("Message-ID: <orig-1@example.com>\r\n");
        content.ShouldNotContain("SECRET BODY");
    }

    [Fact]
    public async Task An_original_over_the_return_limit_comes_back_as_its_header_and_is_read_no_further_than_the_limit()
    {
        var body = string.Concat(Enumerable.Repeat("This line is part of a large message body.\r\n", 50_000)) + "THE END\r\n";
        var content = new CountingContent(Original(body: body));
        var options = new TransportOptions { DsnReturnLimit = 64 * 1024 };
        var result = await Builder(options).BuildAsync(new DsnRequest(Envelope(ret: "FULL"), Arrival, content, [Failed("bob@remote.test")]));

        content.BytesRead.ShouldBeLessThanOrEqualTo(64 * 1024);
        Report(result)[2].ContentType.MimeType.ShouldBe("text/rfc822-headers");
        result.Content!.Length.ShouldBeLessThan(64 * 1024);
        var text = Encoding.ASCII.GetString(result.Content);
        text.ShouldNotContain("THE END");
        text.ShouldContain("Subject: Lunch\r\n");
        ((TextPart)Report(result)[0]).Text.ShouldContain("too large to return in full");
    }

    [Fact]
    public async Task A_header_section_over_the_limit_is_cut_after_a_whole_line()
    {
        var original = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"X-Filler-{i}: {new string('x', 40)}\r\n")) + "\r\nbody\r\n");
        var result = await Builder(new TransportOptions { DsnReturnLimit = 10_000 }).BuildAsync(Request(Envelope(), original, Failed("bob@remote.test")));

        Report(result)[2].ContentType.MimeType.ShouldBe("text/rfc822-headers");
        var raw = Encoding.ASCII.GetString(result.Content!);
        var start = raw.IndexOf("\r\n\r\n", raw.IndexOf("Content-Type: text/rfc822-headers", StringComparison.Ordinal), StringComparison.Ordinal) + 4;
        var headers = raw[start..(raw.IndexOf("\r\n--=_", start, StringComparison.Ordinal) + 2)];
        headers.Length.ShouldBeLessThanOrEqualTo(10_000);
        headers.ShouldEndWith("\r\n");
        headers.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ShouldAllBe(line => line.StartsWith("X-Filler-", StringComparison.Ordinal) && line.EndsWith(new string('x', 40), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_delay_warning_says_so_returns_only_the_header_and_gives_the_retry_deadline()
    {
        var until = Arrival.AddDays(5);
        var delayed = new DsnRecipient("bob@remote.test", DsnAction.Delayed)
        {
            Notify = "DELAY",
            Status = "4.4.1",
            RemoteMta = "mx.remote.test",
            RemoteReply = "421 4.4.1 connection timed out",
            LastAttempt = Arrival.AddHours(4),
            WillRetryUntil = until,
        };
        var result = await Builder().BuildAsync(Request(Envelope(ret: "FULL"), Original(body: "BODY TEXT\r\n"), delayed));

        Message(result).Subject.ShouldBe("Delayed Mail (still being retried)");
        var groups = StatusGroups(result);
        groups[1]["Action"].ShouldBe("delayed");
        groups[1]["Status"].ShouldBe("4.4.1");
        groups[1]["Will-Retry-Until"].ShouldBe("Sat, 5 Dec 2026 08:15:00 +0000");
        Report(result)[2].ContentType.MimeType.ShouldBe("text/rfc822-headers");
        Encoding.ASCII.GetString(result.Content!).ShouldNotContain("BODY TEXT");
        ((TextPart)Report(result)[0]).Text.ShouldContain("This is only a warning");
    }

    [Fact]
    public async Task A_status_that_does_not_fit_the_action_becomes_its_class_default()
    {
        var result = await Builder().BuildAsync(Request(
            Envelope(),
            Original(),
            Failed("bob@remote.test") with { Status = "2.0.0" },
            Failed("carol@remote.test") with { Status = "garbage" },
            new DsnRecipient("dave@remote.test", DsnAction.Failed) { Status = RetrySchedule.ExpiredStatus, Reason = RetrySchedule.ExpiredReason }));
        var groups = StatusGroups(result);

        groups[1]["Status"].ShouldBe("5.0.0");
        groups[2]["Status"].ShouldBe("5.0.0");
        groups[3]["Status"].ShouldBe("4.4.7");
        groups[3]["Diagnostic-Code"].ShouldBe("X-Interchange; delivery time expired");
        groups[3].Contains("Remote-MTA").ShouldBeFalse();
    }

    [Theory]
    [InlineData("env+0D+0AX-Injected:+20yes")]
    [InlineData("env\r\nX-Injected: yes")]
    public async Task An_envelope_id_with_line_breaks_is_left_out_and_forges_nothing(string envelopeId)
    {
        // The SMTP server stores ENVID decoded; both the decoded and an undecoded form must be safe.
        var decoded = envelopeId.Replace("+0D+0A", "\r\n", StringComparison.Ordinal).Replace("+20", " ", StringComparison.Ordinal);
        var result = await Builder().BuildAsync(Request(Envelope(envelopeId: decoded), Original(), Failed("bob@remote.test")));

        AssertNoInjectedField(result);
        StatusGroups(result)[0].Contains("Original-Envelope-Id").ShouldBeFalse();
        result.Warnings.ShouldContain(w => w.Contains("ENVID", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("rfc822;bob@remote.test+0D+0AX-Injected:+20yes")]
    [InlineData("rfc822;bob@remote.test+0AX-Injected:+20yes")]
    [InlineData("utf-8;bob@remote.test\\x{D}\\x{A}X-Injected:\\x{20}yes")]
    [InlineData("rfc822;bob@remote.test+00")]
    public async Task An_orcpt_that_decodes_to_control_characters_is_left_out_and_forges_nothing(string orcpt)
    {
        var result = await Builder().BuildAsync(Request(Envelope(), Original(), Failed("bob@remote.test", orcpt: orcpt)));

        AssertNoInjectedField(result);
        StatusGroups(result)[1].Contains("Original-Recipient").ShouldBeFalse();
        result.Warnings.ShouldContain(w => w.Contains("ORCPT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_remote_reply_with_line_breaks_stays_inside_its_field()
    {
        var reply = "550-5.1.1 first line\r\nX-Injected: yes\r\n550 5.1.1 last line";
        var result = await Builder().BuildAsync(Request(Envelope(), Original(), Failed("bob@remote.test", reply: reply)));

        AssertNoInjectedField(result);
        Unfold(StatusGroups(result)[1]["Diagnostic-Code"]).ShouldBe("smtp; 550-5.1.1 first line X-Injected: yes 550 5.1.1 last line");
    }

    [Fact]
    public async Task A_sender_with_control_characters_gets_no_dsn()
    {
        var result = await Builder().BuildAsync(Request(Envelope(sender: "alice@example.com\r\nBcc: victim@example.net"), Original(), Failed("bob@remote.test")));

        result.Skipped.ShouldBe(DsnSkipReason.InvalidSender);
    }

    [Fact]
    public async Task A_quoted_local_part_is_written_as_one_mailbox()
    {
        var result = await Builder().BuildAsync(Request(Envelope(sender: "\"alice smith\"@example.com"), Original(), Failed("bob@remote.test")));

        Message(result).To.Mailboxes.Single().Address.ShouldBe("\"alice smith\"@example.com");
        result.Envelope!.Recipients.Single().Address.ShouldBe("\"alice smith\"@example.com");
    }

    [Fact]
    public async Task International_addresses_keep_the_status_part_ascii_and_the_envelope_smtputf8()
    {
        var original = Encoding.UTF8.GetBytes("From: José <josé@exämple.com>\r\nTo: bøb@remote.test\r\nSubject: Grüße\r\n\r\nHallo\r\n");
        var envelope = Envelope(sender: "josé@exämple.com") with { SmtpUtf8 = true };
        var result = await Builder().BuildAsync(Request(envelope, original, Failed("bøb@remote.test", orcpt: "utf-8;b+C3+B8b@remote.test")));

        result.Envelope!.SmtpUtf8.ShouldBeTrue();
        result.Envelope.BodyType.ShouldBe("8BITMIME");
        var message = Message(result);
        message.To.Mailboxes.Single().Address.ShouldBe("josé@exämple.com");
        var groups = StatusGroups(result);
        groups[1]["Final-Recipient"].ShouldBe("utf-8;b\\x{F8}b@remote.test");
        groups[1]["Original-Recipient"].ShouldBe("utf-8;b\\x{F8}b@remote.test");
        Report(result)[2].ContentType.MimeType.ShouldBe("message/global");

        // The delivery-status part, as written, is ASCII.
        var raw = Encoding.UTF8.GetString(result.Content!);
        var start = raw.IndexOf("Content-Type: message/delivery-status", StringComparison.Ordinal);
        var status = raw[start..raw.IndexOf("\r\n--", start, StringComparison.Ordinal)];
        status.ShouldAllBe(c => c < 128);
    }

    [Fact]
    public async Task An_eight_bit_body_travels_as_8bitmime_and_a_line_no_transfer_can_carry_returns_the_header()
    {
        var eightBit = await Builder().BuildAsync(Request(Envelope(), Original(body: "Caf\u00e9 at noon\r\n"), Failed("bob@remote.test")));
        eightBit.Envelope!.BodyType.ShouldBe("8BITMIME");
        eightBit.Envelope.SmtpUtf8.ShouldBeFalse();
        Report(eightBit)[2].ContentType.MimeType.ShouldBe("message/rfc822");
        Report(eightBit)[2].Headers[HeaderId.ContentTransferEncoding].ShouldBe("8bit");

        var longLine = await Builder().BuildAsync(Request(Envelope(), Original(body: new string('a', 2000) + "\r\n"), Failed("bob@remote.test")));
        longLine.Envelope!.BodyType.ShouldBeNull();
        Report(longLine)[2].ContentType.MimeType.ShouldBe("text/rfc822-headers");
    }

    [Fact]
    public async Task Every_line_of_the_report_fits_smtp()
    {
        var reply = "550 5.7.1 " + string.Join(' ', Enumerable.Repeat("blocked", 300)) + " " + new string('z', 3000);
        var result = await Builder().BuildAsync(Request(Envelope(), Original(), Failed("bob@remote.test", reply: reply)));

        foreach (var line in Encoding.UTF8.GetString(result.Content!).Split("\r\n"))
        {
            line.Length.ShouldBeLessThanOrEqualTo(998);
            line.ShouldNotContain('\r');
            line.ShouldNotContain('\n');
        }
    }

    private static void AssertNoInjectedField(DsnResult result)
    {
        result.IsBuilt.ShouldBeTrue();
        var lines = Encoding.UTF8.GetString(result.Content!).Split("\r\n");
        lines.ShouldNotContain(line => line.StartsWith("X-Injected", StringComparison.OrdinalIgnoreCase));
        lines.ShouldAllBe(line => !line.Contains('\r') && !line.Contains('\n'));
        foreach (var group in StatusGroups(result))
        {
            group.Contains("X-Injected").ShouldBeFalse();
        }

        Message(result).Headers.Contains("X-Injected").ShouldBeFalse();
    }

    private static MimeMessage Message(DsnResult result) => MimeMessage.Load(new MemoryStream(result.Content!));

    private static MultipartReport Report(DsnResult result)
    {
        var report = Message(result).Body.ShouldBeOfType<MultipartReport>();
        report.Count.ShouldBe(3);
        return report;
    }

    private static HeaderListCollection StatusGroups(DsnResult result) =>
        Report(result)[1].ShouldBeOfType<MessageDeliveryStatus>().StatusGroups;

    private static string Unfold(string? value) => value.ShouldNotBeNull().Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim();

    /// <summary>Bytes held in memory, counting what the builder reads.</summary>
    private sealed class CountingContent(byte[] bytes) : MessageContent
    {
        public long BytesRead { get; private set; }

        public override long Length => bytes.Length;

        public override ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = (int)Math.Min(buffer.Length, bytes.Length - offset);
            bytes.AsSpan((int)offset, count).CopyTo(buffer.Span);
            BytesRead += count;
            return ValueTask.FromResult(count);
        }
    }
}
