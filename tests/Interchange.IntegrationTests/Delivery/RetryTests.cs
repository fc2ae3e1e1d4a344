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
        if (soft.State != "failed")
        {
            // Unless the machine was so slow that the 10 s lifetime already ran out.
            soft.State.ShouldBeOneOf("deferred", "inflight");
            sent.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), server.Describe());
        }

        // Retried on the schedule until the lifetime ran out: then 4.4.7 with the last reply.
        var expired = await server.WaitForRecipientAsync("soft@retry.test", r => r.State == "failed", Bound);
        sent.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(9), "not given up before the lifetime");
        expired.Attempts.ShouldBeGreaterThan(2, server.Describe());
        expired.LastReply.ShouldStartWith("4.4.7 ", Case.Sensitive, server.Describe());
        expired.LastReply.ShouldContain("451 4.2.1 mailbox busy");
        var show = await server.ShowAsync(expired.Id);
        output.WriteLine($"expired after {sent.Elapsed.TotalSeconds:F1} s:\n{show}");
        show.ShouldContain($"soft@retry.test\tsoft@retry.test\tsmtp\tfailed\t{expired.Attempts}\t", Case.Sensitive, show);
        show.ShouldContain("4.4.7", Case.Sensitive, show);
        show.ShouldContain($"hard@retry.test\thard@retry.test\tsmtp\tfailed\t1\t", Case.Sensitive, show);

        // No retry sent the accepted recipient's copy again.
        peer.Records().Count.ShouldBe(1);
        (await server.QueueAsync()).Single(r => r.Recipient == "hard@retry.test").Attempts.ShouldBe(1);
    }
}
