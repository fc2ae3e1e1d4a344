using System.Collections.Concurrent;
using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Transport.Queue;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seed Q184524 for remote connectors (ARCHITECTURE.md rule 2, issue 10 point 7): 16 workers of
/// one connector, every one woken for every message routed, claim (message, domain) groups from
/// the SQLite queue with a short lease, "send" them to a counting sink and record the outcome.
/// Some attempts stall past their lease, so other workers take the items over while the stalled
/// worker still holds them. Each item must be recorded exactly once, by the owner of its last
/// claim; no attempt (item, fence) may be handed to two workers; no stalled worker may record
/// after its lease lapsed; the queue must drain. The sink counts the duplicates a lapsed lease
/// makes unavoidable (the stalled worker did send), which is the at-least-once floor.
/// </summary>
public sealed class RemoteClaimTortureTests(ITestOutputHelper output)
{
    private const string Smtp = "smtp";
    private const int Messages = 3000;
    private const int Workers = 16;
    private static readonly TimeSpan Lease = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan Stall = TimeSpan.FromMilliseconds(1600);

    [Fact]
    public async Task RemoteClaims_Q184524_EveryWorkerWokenForEveryMessage_EachAttemptOwnedOnce_AndAStalledWorkerCannotRecord()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var queue = new SqliteQueueStore(database);
        var signal = new QueueSignal();
        var claims = new ConcurrentDictionary<(long Id, long Fence), string>();
        var recorded = new ConcurrentBag<(long Id, long Fence, string Worker)>();
        var sent = new ConcurrentDictionary<long, int>();
        long stalls = 0, stalledRecorded = 0, stalledRefused = 0, healthyRefused = 0;
        using var stop = new CancellationTokenSource();

        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var name = $"node/{w}";
            var random = new Random(184524 + w);
            while (!stop.IsCancellationRequested)
            {
                var seen = signal.Version;
                var batches = await queue.ClaimAsync(Smtp, name, random.Next(1, 4), Lease);
                if (batches.Count == 0)
                {
                    try
                    {
                        await signal.WaitAsync(seen, TimeSpan.FromMilliseconds(100), stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    continue;
                }

                var items = batches.SelectMany(b => b.Items).ToList();
                foreach (var item in items)
                {
                    claims.TryAdd((item.Id, item.Fence), name).ShouldBeTrue($"attempt (item {item.Id}, fence {item.Fence}) was handed to {claims.GetValueOrDefault((item.Id, item.Fence))} and to {name}");
                    sent.AddOrUpdate(item.Id, 1, (_, n) => n + 1); // the sink took it
                }

                var stalled = random.Next(100) < 3;
                if (stalled)
                {
                    Interlocked.Increment(ref stalls);
                    await Task.Delay(Stall); // past the lease: others may take the items over
                }
                else if (random.Next(4) == 0)
                {
                    await Task.Yield();
                }

                var accepted = await queue.RecordOutcomeAsync(items.Select(i => DeliveryOutcome.Delivered(i, "250 2.0.0 ok")).ToList());
                foreach (var item in items.Where(i => accepted.Contains(i.Id)))
                {
                    recorded.Add((item.Id, item.Fence, name));
                }

                if (stalled)
                {
                    Interlocked.Add(ref stalledRecorded, accepted.Count);
                    Interlocked.Add(ref stalledRefused, items.Count - accepted.Count);
                }
                else
                {
                    Interlocked.Add(ref healthyRefused, items.Count - accepted.Count);
                }
            }
        })).ToArray();

        // Produce: each message to 1-4 recipients in 1-3 domains, routed to the SMTP connector,
        // and every worker woken for it.
        var expected = 0;
        for (var n = 0; n < Messages; n++)
        {
            var random = new Random(n);
            var recipients = Enumerable.Range(0, random.Next(1, 5)).Select(r => new QueuedRecipient($"r{r}@d{random.Next(3)}.test")).DistinctBy(r => r.Address).ToList();
            expected += recipients.Count;
            var content = Encoding.ASCII.GetBytes($"Subject: remote {n}\r\n\r\n{n}\r\n");
            await queue.EnqueueAsync(new BlobRef(BlobId.Of(content), content.Length), new Envelope("sender@example.test", recipients, "torture"), DateTimeOffset.UtcNow);
            var found = await queue.FindNewAsync(0, 1, 16);
            await queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Route>)m.Envelope.Recipients.Select(r => new Route(r.Address, r.Address, Smtp)).ToList())).ToList());
            signal.Pulse();
        }

        // Wait (bounded) for the queue to drain; lapsed leases make their items due again.
        var deadline = DateTime.UtcNow.AddSeconds(240);
        QueueStatistics stats;
        while ((stats = await queue.StatisticsAsync()) is not { NewMessages: 0, RoutedMessages: 0 } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        var duplicates = sent.Values.Sum(n => n - 1);
        output.WriteLine($"{Messages} messages, {expected} items; {claims.Count} claims, {recorded.Count} outcomes recorded; {stalls} stalls past the lease: {stalledRecorded} of their outcomes recorded, {stalledRefused} refused; healthy outcomes refused (lease lapsed under load): {healthyRefused}; sends the sink saw twice or more: {duplicates}");
        (stats.NewMessages, stats.RoutedMessages, stats.PendingDeliveries).ShouldBe((0, 0, 0), "the queue drained");
        var byItem = recorded.GroupBy(r => r.Id).ToList();
        byItem.Where(g => g.Count() > 1).Select(g => g.Key).ShouldBeEmpty("no item's outcome is recorded twice");
        byItem.Count.ShouldBe(expected, "every item's outcome is recorded");
        var lastClaims = claims.Keys.GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.Max(c => c.Fence));
        recorded.Where(r => r.Fence != lastClaims[r.Id]).Select(r => $"item {r.Id} by {r.Worker} under fence {r.Fence}, last claim {lastClaims[r.Id]}")
            .ShouldBeEmpty("each outcome comes from the owner of the item's last claim");
        stalls.ShouldBeGreaterThan(0, "some attempts stalled past their lease");
        stalledRecorded.ShouldBe(0, "a worker whose lease lapsed records nothing");
    }
}
