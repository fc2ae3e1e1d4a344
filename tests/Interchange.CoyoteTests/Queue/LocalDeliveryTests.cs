using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// Local delivery's completion under every interleaving Coyote chooses: IMailStore.DeliverAsync
/// completes an item only with the fence it was found with, so a worker whose view went stale
/// (another attempt failed and put the item off meanwhile) changes nothing.
/// </summary>
public static class LocalDeliveryTests
{
    /// <summary>
    /// Two messages for alice are pending. Two local workers (two nodes) find them at once; the
    /// first attempt to reach the store fails (a full disk) and the connector puts the batch off
    /// for a minute; a third worker runs when the clock has moved past that. Each ticket (item,
    /// fence) is accepted at most once, for a deferral or a delivery; once retries are due, alice
    /// holds each message once, in acceptance order.
    /// </summary>
    [Test]
    public static async Task A_completion_with_a_stale_fence_is_refused()
    {
        var harness = new QueueHarness(failFirstDeliveries: 1);
        await harness.AcceptAsync("m0", QueueHarness.Alice);
        await harness.AcceptAsync("m1", QueueHarness.Alice);
        var found = await harness.Queue.FindNewAsync(0, 1, 10);
        await harness.Queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Storage.Queue.Route>)[new(QueueHarness.Alice, QueueHarness.Alice, Transport.Connectors.LocalConnector.ConnectorName)])).ToList());

        var first = Task.Run(() => DeliverFoundAsync(harness));
        var second = Task.Run(() => DeliverFoundAsync(harness));
        var later = Task.Run(async () =>
        {
            await Task.Yield();
            harness.Clock.Advance(harness.Options.RetrySchedule[0]);
            await DeliverFoundAsync(harness);
        });
        await first;
        await second;
        await later;

        var twice = harness.Ledger.TicketsAcceptedTwice();
        Specification.Assert(twice.Length == 0, $"a ticket is accepted once; a stale one is refused: {twice}");

        // Whatever was put off is due after the longest retry: deliver it.
        harness.Clock.Advance(TimeSpan.FromHours(1));
        for (var round = 0; round < 3; round++)
        {
            await DeliverFoundAsync(harness);
        }

        var alice = string.Join(",", harness.Inbox(QueueHarness.Alice));
        Specification.Assert(alice == "0,1", $"alice's INBOX holds m0, m1 once each in acceptance order, but holds [{alice}]");
        Specification.Assert(harness.QueueEmpty(), "both messages left the queue once delivered");
    }

    private static async Task DeliverFoundAsync(QueueHarness harness)
    {
        var connector = harness.NewLocalConnector();
        var items = await harness.Queue.FindPendingAsync(Transport.Connectors.LocalConnector.ConnectorName, 0, 1, 10);
        if (items.Count > 0)
        {
            await connector.DeliverBatchAsync(items, CancellationToken.None);
        }
    }
}
