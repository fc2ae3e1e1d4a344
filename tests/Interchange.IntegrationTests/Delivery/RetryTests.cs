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
public sealed class RetryTests(ITestOutputHelper output) : IDisposable
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

        await server.SendAsync("sender@origin.test", ["ok@retry.test", "hard@retry.test", "soft@retry.test"], "From: sender@origin.test\r\nSubject: three fates\r\n\r\nHello.\r\n");

        // The first attempt: the 550 is final at once, the 451 waits for a retry.
        var hard = await server.WaitForRecipientAsync("hard@retry.test", r => r.State is "failed" or "deferred" or "delivered", Bound);
        (hard.State, hard.Attempts).ShouldBe(("failed", 1), server.Describe());
        hard.LastReply.ShouldStartWith("550 5.1.1 ");
        var accepted = (await peer.WaitForRecordsAsync(1, Bound, server.Describe)).ShouldHaveSingleItem();
        accepted.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()).ShouldBe(["ok@retry.test"]);

        var soft = (await server.QueueAsync()).Single(r => r.Recipient == "soft@retry.test");
        soft.State.ShouldBeOneOf("deferred", "inflight", "failed"); // failed only if this machine is slow enough for the lifetime to have run out
        if (soft.State == "deferred")
        {
            soft.LastReply.ShouldStartWith("451 4.2.1 ");
        }

        // Retried on the schedule until the lifetime ran out: then 4.4.7 with the last reply.
        var expired = await server.WaitForRecipientAsync("soft@retry.test", r => r.State == "failed", Bound);
        expired.Attempts.ShouldBeGreaterThan(2, server.Describe());
        expired.LastReply.ShouldStartWith("4.4.7 ", Case.Sensitive, server.Describe());
        expired.LastReply.ShouldContain("451 4.2.1 mailbox busy");
        var show = await server.ShowAsync(expired.Id);
        output.WriteLine($"expired after {sent.Elapsed.TotalSeconds:F1} s:\n{show}");
        show.ShouldContain($"soft@retry.test\tsoft@retry.test\tsmtp\tfailed\t{expired.Attempts}\t", Case.Sensitive, show);
        show.ShouldContain("4.4.7", Case.Sensitive, show);

        // Given up at the lifetime, not before: the last attempt came 10 s after the message was queued (times are to the second).
        var received = Time(show.Split('\n').First(l => l.StartsWith("received: ", StringComparison.Ordinal))["received: ".Length..]);
        var lastAttempt = Time(show.Split('\n').First(l => l.StartsWith("soft@retry.test\t", StringComparison.Ordinal)).Split('\t')[5]);
        (lastAttempt - received).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(9), show);
        show.ShouldContain($"hard@retry.test\thard@retry.test\tsmtp\tfailed\t1\t", Case.Sensitive, show);

        // No retry sent the accepted recipient's copy again.
        peer.Records().Count.ShouldBe(1);
        (await server.QueueAsync()).Single(r => r.Recipient == "hard@retry.test").Attempts.ShouldBe(1);
    }

    /// <summary>A time as <c>queue show</c> prints it ("2026-12-02 01:23:41 +00:00"), the rest of the line ignored.</summary>
    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.ParseExact(string.Join(' ', text.Split(' ').Take(3)), "yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
}
