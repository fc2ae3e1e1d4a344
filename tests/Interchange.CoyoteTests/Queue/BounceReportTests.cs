using System.Text;
using Interchange.Storage.Queue;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// The bounce step under every interleaving Coyote chooses (rule 2, seed Q184524): bounce workers
/// woken together find the same failures while a connector is still recording them; the store's
/// report, which takes failures only if still unreported under their fence, lets one DSN name
/// each failure. With <c>INTERCHANGE_COYOTE_REMOVE=Reported</c> it fails: two reports of one failure.
/// </summary>
public static class BounceReportTests
{
    private const string Smtp = "smtp";

    /// <summary>
    /// One message to three remote recipients: z deferred (it keeps the message queued), x and y
    /// in flight. A connector fails x then y while two bounce workers each look twice; a last
    /// look reports what is left. Each failure is in exactly one report.
    /// </summary>
    [Test]
    public static async Task Bounce_workers_woken_together_report_each_failure_once()
    {
        var harness = new QueueHarness();
        var queue = harness.Queue;
        var id = await queue.EnqueueAsync(harness.Blobs.Add(Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nhi\r\n")), new Envelope("sender@remote.test", [new QueuedRecipient("x@one.test"), new QueuedRecipient("y@two.test"), new QueuedRecipient("z@three.test")], "test"), harness.Clock.GetUtcNow());
        var found = await queue.FindNewAsync(0, 1, 10);
        await queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Route>)m.Envelope.Recipients.Select(r => new Route(r.Address, r.Address, Smtp)).ToList())).ToList());
        var claimed = (await queue.ClaimAsync(Smtp, "node/c", 10, TimeSpan.FromMinutes(1))).SelectMany(b => b.Items).ToList();

        // z was tried and is being retried: the message stays queued after the reports.
        var z = claimed.Single(i => i.Recipient == "z@three.test");
        await queue.RecordOutcomeAsync([DeliveryOutcome.Deferred(z, harness.Clock.GetUtcNow().AddHours(1), "451 4.3.0 later")]);
        var items = claimed.Where(i => i != z).ToList();

        var generator = harness.NewBounceGenerator();
        var tasks = new List<Task>
        {
            Task.Run(async () =>
            {
                foreach (var item in items)
                {
                    await queue.RecordOutcomeAsync([DeliveryOutcome.Failed(item, "550 5.1.1 no such user")]);
                }
            }),
        };
        for (var w = 0; w < 2; w++)
        {
            tasks.Add(Task.Run(async () =>
            {
                await generator.RunOnceAsync();
                await generator.RunOnceAsync();
            }));
        }

        foreach (var task in tasks)
        {
            await task;
        }

        await generator.RunOnceAsync();
        var reports = harness.Ledger.Reports();
        Specification.Assert(items.All(i => reports.GetValueOrDefault(i.Id) == 1), $"each failure in exactly one report: {string.Join(", ", items.Select(i => $"{i.Recipient} in {reports.GetValueOrDefault(i.Id)}"))}");
        Specification.Assert(harness.Database.Transaction(db => db.Messages.ContainsKey(id)), "the original waits for z");
        Specification.Assert((await queue.FindUnreportedAsync(10)).Count == 0, "nothing is left unreported");
    }
}
