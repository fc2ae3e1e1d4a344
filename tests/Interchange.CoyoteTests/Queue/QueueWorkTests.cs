using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// ARCHITECTURE.md rule 2 under every interleaving Coyote chooses: notifications are hints and
/// work is owned by the store's atomic state change, so workers woken together, on one node or
/// two, route each message once and put each delivery in its mailbox once, in acceptance order.
/// </summary>
public static class QueueWorkTests
{
    /// <summary>
    /// Two nodes on one queue: node one runs two categorizers and two local workers (partitions of
    /// two), node two one of each over everything, so every claim is contested. Mail is accepted
    /// while they run: to the alias for both users, then to each. No worker may sleep while work
    /// is left (it would wait for the poll, seconds); once every worker sleeps with the queue
    /// empty, the run is over.
    /// </summary>
    [Test]
    public static async Task Workers_woken_together_route_each_message_once_and_deliver_each_once_in_acceptance_order()
    {
        var harness = new QueueHarness();
        using var stop = new CancellationTokenSource();
        var nodeOne = (Categorizer: harness.NewCategorizer(), Local: harness.NewLocalConnector());
        var nodeTwo = (Categorizer: harness.NewCategorizer(), Local: harness.NewLocalConnector());
        var workers = new List<Task>
        {
            Task.Run(() => nodeOne.Categorizer.RunWorkerAsync(0, 2, stop.Token)),
            Task.Run(() => nodeOne.Categorizer.RunWorkerAsync(1, 2, stop.Token)),
            Task.Run(() => nodeTwo.Categorizer.RunWorkerAsync(0, 1, stop.Token)),
            Task.Run(() => nodeOne.Local.RunWorkerAsync(0, 2, stop.Token)),
            Task.Run(() => nodeOne.Local.RunWorkerAsync(1, 2, stop.Token)),
            Task.Run(() => nodeTwo.Local.RunWorkerAsync(0, 1, stop.Token)),
        };

        await harness.AcceptAsync("m0", QueueHarness.Team);
        await harness.AcceptAsync("m1", QueueHarness.Alice);
        await harness.AcceptAsync("m2", QueueHarness.Bob);
        await harness.AcceptAsync("m3", QueueHarness.Alice);

        // Nothing runs once every worker sleeps. Work left then would wait for the poll, seconds
        // later: the pulse that announced it was lost.
        await harness.Feed.WhenWaitingAsync(workers.Count);
        Specification.Assert(harness.QueueEmpty(), "every worker sleeps with work left: a pulse was lost");

        stop.Cancel();
        harness.Feed.WakeAll();
        foreach (var worker in workers)
        {
            await worker;
        }

        Specification.Assert(harness.Ledger.Routed == 4, $"each message is routed once: routing took {harness.Ledger.Routed} for 4 messages");
        var alice = string.Join(",", harness.Inbox(QueueHarness.Alice));
        var bob = string.Join(",", harness.Inbox(QueueHarness.Bob));
        Specification.Assert(alice == "0,1,3", $"alice's INBOX holds m0, m1, m3 once each in acceptance order, but holds [{alice}]");
        Specification.Assert(bob == "0,2", $"bob's INBOX holds m0, m2 once each in acceptance order, but holds [{bob}]");
        var twice = harness.Ledger.TicketsAcceptedTwice();
        Specification.Assert(twice.Length == 0, $"no completion ticket is accepted twice: {twice}");
        Specification.Assert(harness.QueueEmpty(), "every message left the queue once delivered");
    }
}
