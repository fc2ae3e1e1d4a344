using System.Diagnostics;
using System.Net;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// Per-recipient refusals end to end: aiosmtpd on 127.0.0.46, as a smart host, takes one recipient,
/// refuses one with 550 and one with 451. The server runs a short schedule (first retry after
/// 1 s, at most 2 s apart, given up 10 s after queueing) on the real clock, so the retries and the
/// expiry happen within the test.
/// </summary>
public sealed partial class RetryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task PerRecipientRefusals_5xxFailsAtOnce_4xxIsRetriedThenExpires447_TheAcceptedOneArrivesOnce()
    {
        await using var peer = await AiosmtpdPeer.StartAsync(Path.Combine(_scratch.Path, "aio"), IPAddress.Parse("127.0.0.46"),
            "--reject", "hard@retry.test=550 5.1.1 no such user here", "--reject", "soft@retry.test=451 4.2.1 mailbox busy, try later");
        await using var server = await OutboundServer.StartAsync(null, new Dictionary<string, string>
        {
            ["Transport:Routes:0:AddressSpace"] = "retry.test",
            ["Transport:Routes:0:Connector"] = "smtp",
            ["Transport:Routes:0:SmartHost"] = peer.SmartHost,
            ["Transport:MinimalBackoff"] = "00:00:01",
            ["Transport:MaximalBackoff"] = "00:00:02",
            ["Transport:MaximalQueueLifetime"] = "00:00:10",
            ["Transport:RetryJitter"] = "0",
            ["Transport:PollInterval"] = "00:00:00.500", // idle workers look for due retries this often
        });
        var sent = Stopwatch.StartNew();

        await server.SendAsync(OutboundServer.LocalSender, ["ok@retry.test", "hard@retry.test", "soft@retry.test"], $"From: {OutboundServer.LocalSender}\r\nSubject: three fates\r\n\r\nHello.\r\n");

        // The first attempt: the 550 is final at once, and its DSN comes while the 451 waits for retries.
        var first = (await server.WaitForReportsAsync(1, Bound)).EnumerateArray().First();
        var hard = OutboundServer.RecipientsOf(first).ShouldHaveSingleItem();
        (hard.Recipient, hard.Action, hard.Status).ShouldBe(("rfc822;hard@retry.test", "failed", "5.1.1"), server.Describe());
        hard.Diagnostic.ShouldContain("550 5.1.1 no such user here");
        var accepted = (await peer.WaitForRecordsAsync(1, Bound, server.Describe)).ShouldHaveSingleItem();
        accepted.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()).ShouldBe(["ok@retry.test"]);

        // Retried on the schedule until the lifetime ran out: then 4.4.7 with the last reply, in a second DSN.
        var reports = await server.WaitForReportsAsync(2, Bound);
        var elapsed = sent.Elapsed;
        reports.GetArrayLength().ShouldBe(2);
        var soft = OutboundServer.RecipientsOf(reports[1]).ShouldHaveSingleItem();
        (soft.Recipient, soft.Action, soft.Status).ShouldBe(("rfc822;soft@retry.test", "failed", "4.4.7"), server.Describe());
        soft.Diagnostic.ShouldContain("451 4.2.1 mailbox busy");
        var expiry = server.Process.Stderr.Single(l => l.Contains("to <soft@retry.test> expired", StringComparison.Ordinal));
        var attempts = int.Parse(AttemptOf().Match(expiry).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"expired after {elapsed.TotalSeconds:F1} s at attempt {attempts}: {expiry}");
        attempts.ShouldBeGreaterThan(2, server.Describe());
        server.Process.Stderr.Count(l => l.Contains("to <soft@retry.test> deferred", StringComparison.Ordinal)).ShouldBe(attempts - 1, server.Describe());

        // Given up at the lifetime (10 s after it was queued, which was after the stopwatch started), not before.
        elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(10));

        // No retry sent the accepted recipient's copy again, nor tried the hard failure again.
        peer.Records().Count.ShouldBe(1);
        server.Process.Stderr.Count(l => l.Contains("to <hard@retry.test>", StringComparison.Ordinal) && l.Contains("(attempt", StringComparison.Ordinal)).ShouldBe(1, server.Describe());
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\(attempt (\d+)\)")]
    private static partial System.Text.RegularExpressions.Regex AttemptOf();
}
