using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Transport.Connectors;

/// <summary>
/// The claim loop every remote connector shares, over the SQLite queue and a clock the test moves:
/// deferrals follow the retry schedule from the message's first queuing, expiry fails with 4.4.7,
/// an attempt whose claim was lost records nothing, a failing connector defers, a route is looked
/// up at each attempt.
/// </summary>
public sealed class ClaimingConnectorTests : IAsyncLifetime
{
    private const string ConnectorName = "test";
    private readonly ManualTimeProvider _clock = new();
    private readonly TransportOptions _options = new() { RetryJitter = 0, MinimalBackoff = TimeSpan.FromMinutes(5), MaximalBackoff = TimeSpan.FromSeconds(4000), MaximalQueueLifetime = TimeSpan.FromDays(5) };
    private SqliteTestDatabase _database = null!;
    private SqliteQueueStore _queue = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _queue = new SqliteQueueStore(_database.Database, _clock);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Deferrals_FollowTheSchedule_FromTheFirstFailure_AndExpiryFailsWith447()
    {
        var id = await QueueAsync("a@far.test");
        var connector = Connector((batch, _, _) => Task.FromResult<IReadOnlyList<AttemptResult>>(batch.Items.Select(i => AttemptResult.Deferred(i, "451 4.4.1 connect to far.test failed")).ToList()));

        var first = await ClaimAndAttemptAsync(connector);
        first.Single().Kind.ShouldBe(DeliveryOutcomeKind.Deferred);
        first.Single().RetryAt.ShouldBe(_clock.GetUtcNow() + TimeSpan.FromMinutes(5), "Postfix: minimal_backoff_time after the first failure");

        _clock.Advance(TimeSpan.FromMinutes(5));
        var second = await ClaimAndAttemptAsync(connector);
        second.Single().RetryAt.ShouldBe(_clock.GetUtcNow() + TimeSpan.FromMinutes(10), "doubling");

        var recipient = (await _queue.ShowAsync(id))!.Recipients.Single();
        recipient.State.ShouldBe(QueueItemState.Deferred);
        recipient.Attempts.ShouldBe(2);
        recipient.LastReply.ShouldBe("451 4.4.1 connect to far.test failed");

        // Five days after it was queued, the next temporary failure is the last.
        _clock.Advance(TimeSpan.FromDays(5));
        var last = await ClaimAndAttemptAsync(connector);
        last.Single().Kind.ShouldBe(DeliveryOutcomeKind.Failed);
        last.Single().Reply.ShouldStartWith("4.4.7 delivery time expired; last reply: 451 4.4.1");
        (await _queue.ShowAsync(id))!.Recipients.Single().State.ShouldBe(QueueItemState.Failed);
    }

    [Fact]
    public async Task ADeliveredAndAFailedRecipient_AreRecorded_AndTheFailurePulsesTheBounceStep()
    {
        await QueueAsync("ok@far.test", "gone@far.test");
        var failures = new QueueSignal();
        var before = failures.Version;
        var connector = Connector(
            (batch, _, _) => Task.FromResult<IReadOnlyList<AttemptResult>>(batch.Items.Select(i => i.Recipient.StartsWith("ok", StringComparison.Ordinal)
                ? AttemptResult.Delivered(i, "250 2.0.0 queued as X", "mx.far.test")
                : AttemptResult.Failed(i, "550 5.1.1 no such user", "mx.far.test")).ToList()),
            failures);

        var outcomes = await ClaimAndAttemptAsync(connector);

        outcomes.Select(o => (o.Item.Recipient, o.Kind, o.RemoteMta)).OrderBy(o => o.Recipient).ShouldBe([("gone@far.test", DeliveryOutcomeKind.Failed, "mx.far.test"), ("ok@far.test", DeliveryOutcomeKind.Delivered, "mx.far.test")]);
        failures.Version.ShouldBeGreaterThan(before);
    }

    [Fact]
    public async Task AConnectorThatThrows_DefersEveryItem_With430()
    {
        await QueueAsync("a@far.test", "b@far.test");
        var connector = Connector((_, _, _) => throw new IOException("disk on fire"));

        var outcomes = await ClaimAndAttemptAsync(connector);

        outcomes.Count.ShouldBe(2);
        outcomes.ShouldAllBe(o => o.Kind == DeliveryOutcomeKind.Deferred && o.Reply == "451 4.3.0 disk on fire");
    }

    [Fact]
    public async Task AnAttemptWhoseLeaseLapsed_IsCancelled_AndRecordsNothing_WhileTheNewOwnersOutcomeCounts()
    {
        var id = await QueueAsync("slow@far.test");
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connector = Connector(async (batch, _, token) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, token); // a transfer that outlives its lease
            return batch.Items.Select(i => AttemptResult.Delivered(i, "250 too late")).ToList();
        }, lease: TimeSpan.FromSeconds(1.5));

        var batch = (await _queue.ClaimAsync(ConnectorName, "node/test/0", 1, TimeSpan.FromSeconds(1.5))).Single();
        var stalled = connector.AttemptAsync(batch, CancellationToken.None);
        await entered.Task;

        // The lease lapses on the store's clock, and another worker takes the item over.
        _clock.Advance(TimeSpan.FromSeconds(2));
        var takeover = (await _queue.ClaimAsync(ConnectorName, "node/test/1", 1, TimeSpan.FromMinutes(1))).Single();

        // The stalled attempt's next renewal (every third of the lease) finds the claim gone and stops it.
        var recorded = await stalled.WaitAsync(TimeSpan.FromSeconds(30));
        recorded.ShouldBeEmpty();

        (await _queue.RecordOutcomeAsync([DeliveryOutcome.Delivered(takeover.Items.Single(), "250 2.0.0 ok")])).ShouldBe([takeover.Items.Single().Id]);
        (await _queue.ShowAsync(id)).ShouldBeNull("the one recorded delivery finished the message");
    }

    [Fact]
    public async Task ALongAttempt_KeepsItsClaim_ByRenewingTheLease()
    {
        await QueueAsync("big@far.test");
        var connector = Connector(async (batch, _, token) =>
        {
            // Three renewals' worth of a 1.5 s lease, with the store's clock moving along.
            for (var i = 0; i < 6; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), token);
                _clock.Advance(TimeSpan.FromMilliseconds(500));
            }

            return batch.Items.Select(i => AttemptResult.Delivered(i, "250 2.0.0 done")).ToList();
        }, lease: TimeSpan.FromSeconds(1.5));

        var outcomes = await ClaimAndAttemptAsync(connector, TimeSpan.FromSeconds(1.5));

        outcomes.Single().Kind.ShouldBe(DeliveryOutcomeKind.Delivered);
    }

    [Fact]
    public async Task TheRouteIsLookedUpAtEachAttempt_AndKeptForIt()
    {
        await QueueAsync("a@far.test");
        await QueueAsync("b@far.test");
        var routes = new RoutingTable(initial: Snapshot(1, "first"));
        var seen = new List<string?>();
        var connector = Connector((batch, route, _) =>
        {
            seen.Add(route.Gateway);
            routes.Publish(Snapshot(2, "second")); // a change during the attempt is for the next one
            seen.Add(route.Gateway);
            return Task.FromResult<IReadOnlyList<AttemptResult>>(batch.Items.Select(i => AttemptResult.Delivered(i, "250 ok")).ToList());
        }, routes: routes);

        await ClaimAndAttemptAsync(connector);
        await ClaimAndAttemptAsync(connector);

        seen.ShouldBe(["first", "first", "second", "second"]);
    }

    private static RoutingSnapshot Snapshot(long version, string gateway) =>
        new([RouteEntry.Create("far.test", ConnectorName, 1, null, null, gateway, RouteSource.Configuration)], version);

    private async Task<IReadOnlyList<DeliveryOutcome>> ClaimAndAttemptAsync(TestConnector connector, TimeSpan? lease = null)
    {
        var batch = (await _queue.ClaimAsync(ConnectorName, "node/test/0", 1, lease ?? TimeSpan.FromMinutes(10))).Single();
        return await connector.AttemptAsync(batch, CancellationToken.None);
    }

    private async Task<long> QueueAsync(params string[] recipients)
    {
        var blob = await WriteBlobAsync("Subject: test\r\n\r\nbody\r\n");
        var id = await _queue.EnqueueAsync(blob, new Envelope("sender@here.test", recipients.Select(r => new QueuedRecipient(r)).ToList(), "test"), _clock.GetUtcNow());
        var found = (await _queue.FindNewAsync(0, 1, 100)).Single(m => m.Id == id);
        (await _queue.RouteAsync([(found, recipients.Select(r => new Route(r, r, ConnectorName)).ToList())])).ShouldBe(1);
        return id;
    }

    private async Task<BlobRef> WriteBlobAsync(string text)
    {
        var blobs = new FileBlobStore(Path.Combine(Path.GetDirectoryName(_database.Path)!, "blobs"));
        await using var writer = blobs.BeginWrite();
        var bytes = Encoding.ASCII.GetBytes(text);
        await writer.WriteAsync(bytes);
        return await writer.CommitAsync();
    }

    private TestConnector Connector(Func<DeliveryBatch, RouteDecision, CancellationToken, Task<IReadOnlyList<AttemptResult>>> deliver, QueueSignal? failures = null, TimeSpan? lease = null, RoutingTable? routes = null) =>
        new(deliver, _queue, routes ?? new RoutingTable(), failures, _options, new ClaimingOptions(1, lease ?? TimeSpan.FromMinutes(10), "node"), _clock);

    private sealed class TestConnector(Func<DeliveryBatch, RouteDecision, CancellationToken, Task<IReadOnlyList<AttemptResult>>> deliver, IQueueStore queue, RoutingTable routes, QueueSignal? failures, TransportOptions options, ClaimingOptions claiming, TimeProvider clock)
        : ClaimingConnector(ConnectorName, queue, routes, new QueueSignal(), failures, options, claiming, NullLogger.Instance, clock)
    {
        protected override Task<IReadOnlyList<AttemptResult>> DeliverAsync(DeliveryBatch batch, RouteDecision route, CancellationToken cancellationToken) =>
            deliver(batch, route, cancellationToken);
    }
}
