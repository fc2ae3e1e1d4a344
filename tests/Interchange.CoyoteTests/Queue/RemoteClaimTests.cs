using Interchange.Storage.Queue;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// Claims for a remote connector under every interleaving Coyote chooses (rule 2, seed Q184524):
/// workers woken together each claim; ownership is the store's atomic claim with a lease and a
/// fencing token, so each attempt has one owner, and a worker that stalled past its lease cannot
/// record an outcome over the worker that took the item after it.
/// </summary>
public static class RemoteClaimTests
{
    private const string Smtp = "smtp";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Two messages to recipients in two domains (four claim groups). Three workers, all woken for
    /// everything, claim one group at a time and record "delivered"; one of them stalls after its
    /// first claim for longer than the lease (the clock moves past it), then records anyway. At the
    /// end every item is delivered, each by exactly one recorded outcome, and that outcome came from
    /// the item's last claim: no worker whose claim was overtaken recorded.
    /// </summary>
    [Test]
    public static async Task A_worker_whose_lease_lapsed_cannot_record_over_the_next_owner()
    {
        var harness = new QueueHarness();
        var queue = harness.Queue;
        for (var m = 0; m < 2; m++)
        {
            await queue.EnqueueAsync(harness.Blobs.Add([(byte)('a' + m)]), new Envelope("sender@example.test", [new QueuedRecipient($"x{m}@one.test"), new QueuedRecipient($"y{m}@two.test")], "test"), harness.Clock.GetUtcNow());
        }

        var found = await queue.FindNewAsync(0, 1, 10);
        await queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Route>)m.Envelope.Recipients.Select(r => new Route(r.Address, r.Address, Smtp)).ToList())).ToList());

        var ledger = new ClaimLedger();
        var workers = new List<Task>();
        for (var w = 0; w < 3; w++)
        {
            var worker = w;
            workers.Add(Task.Run(() => WorkAsync(harness, ledger, $"node/{worker}", stall: worker == 0)));
        }

        foreach (var worker in workers)
        {
            await worker;
        }

        // What the stall left due (its own items, once their lease lapsed) is taken by a last round.
        harness.Clock.Advance(Lease * 2);
        await WorkAsync(harness, ledger, "node/last", stall: false);

        var problems = ledger.Problems();
        Specification.Assert(problems.Length == 0, $"each item is recorded once, by the owner of its last claim: {problems}");
        var stats = await queue.StatisticsAsync();
        Specification.Assert(stats.PendingDeliveries == 0 && stats.RoutedMessages == 0, $"every item delivered and both messages gone: {stats.PendingDeliveries} pending, {stats.RoutedMessages} messages left");
    }

    private static async Task WorkAsync(QueueHarness harness, ClaimLedger ledger, string owner, bool stall)
    {
        var stalled = false;
        IReadOnlyList<DeliveryBatch> batches;
        while ((batches = await harness.Queue.ClaimAsync(Smtp, owner, 1, Lease)).Count > 0)
        {
            var items = batches.SelectMany(b => b.Items).ToList();
            ledger.Claimed(items);
            if (stall && !stalled)
            {
                // The stall: this worker's attempt takes longer than its lease.
                stalled = true;
                harness.Clock.Advance(Lease + TimeSpan.FromSeconds(1));
                await Task.Yield();
            }

            var recorded = await harness.Queue.RecordOutcomeAsync(items.Select(i => DeliveryOutcome.Delivered(i, "250 2.0.0 ok")).ToList());
            ledger.Recorded(items, recorded);
        }
    }

    /// <summary>Every claim (item, fence) in the order the store granted them, and every outcome the store accepted.</summary>
    private sealed class ClaimLedger
    {
        private readonly object _lock = new();
        private readonly Dictionary<long, List<long>> _claims = [];
        private readonly List<(long Id, long Fence)> _recorded = [];

        public void Claimed(IEnumerable<DeliveryItem> items)
        {
            lock (_lock)
            {
                foreach (var item in items)
                {
                    if (!_claims.TryGetValue(item.Id, out var fences))
                    {
                        _claims[item.Id] = fences = [];
                    }

                    fences.Add(item.Fence);
                }
            }
        }

        public void Recorded(IEnumerable<DeliveryItem> items, IReadOnlyList<long> accepted)
        {
            lock (_lock)
            {
                _recorded.AddRange(items.Where(i => accepted.Contains(i.Id)).Select(i => (i.Id, i.Fence)));
            }
        }

        public string Problems()
        {
            lock (_lock)
            {
                var problems = new List<string>();
                foreach (var (id, fences) in _claims)
                {
                    var outcomes = _recorded.Where(r => r.Id == id).Select(r => r.Fence).ToList();
                    if (outcomes.Count != 1)
                    {
                        problems.Add($"item {id} has {outcomes.Count} outcomes recorded (claims under fences {string.Join(",", fences)})");
                    }
                    else if (outcomes[0] != fences.Max())
                    {
                        // Fences only grow, so the highest is the last claim's (the ledger hears of claims in any order).
                        problems.Add($"item {id} recorded under fence {outcomes[0]}, but its last claim was fence {fences.Max()}: an overtaken worker recorded");
                    }

                    if (fences.Distinct().Count() != fences.Count)
                    {
                        problems.Add($"item {id} was claimed twice under one fence");
                    }
                }

                return string.Join("; ", problems);
            }
        }
    }
}
