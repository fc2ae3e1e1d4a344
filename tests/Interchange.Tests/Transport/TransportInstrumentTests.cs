using System.Text;
using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Transport;

/// <summary>
/// The transport's instruments where they are fed: a committed message counts in
/// <c>interchange.messages.accepted</c> under its listener; a local delivery counts as a delivered
/// outcome and records its latency from queueing to delivery, measured on the clocks given.
/// </summary>
public sealed class TransportInstrumentTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Accepted = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _blobs = new();
    private SqliteTestDatabase _database = null!;
    private SqliteQueueStore _queue = null!;
    private SqliteDirectoryStore _directory = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _directory = new SqliteDirectoryStore(_database.Database);
        var service = new DirectoryService(_directory, new PasswordHasher(1000), new DirectoryOptions());
        await service.AddDomainAsync("example.test");
        await service.AddUserAsync("alice@example.test", null);
        _queue = new SqliteQueueStore(_database.Database);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _blobs.Dispose();
    }

    [Fact]
    public async Task A_committed_message_counts_once_under_its_listener()
    {
        using var accepted = new MetricRecorder("interchange.messages.accepted");
        var listener = "unit-" + Guid.NewGuid().ToString("N");

        await AcceptAsync(new MessageAcceptor(new FileBlobStore(_blobs.Path), _queue, new QueueSignal()), listener);

        accepted.With("listener", listener).Select(m => m.Value).ShouldBe([1d]);
    }

    [Fact]
    public async Task A_local_delivery_counts_as_delivered_and_records_its_latency()
    {
        using var latency = new MetricRecorder("interchange.delivery.latency");
        using var outcomes = new MetricRecorder("interchange.delivery.outcomes");
        var acceptor = new MessageAcceptor(new FileBlobStore(_blobs.Path), _queue, new QueueSignal(), new ManualTimeProvider(Accepted));
        await AcceptAsync(acceptor, "smtp");
        var found = await _queue.FindNewAsync(0, 1, 10);
        await _queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Route>)[new Route("alice@example.test", "alice@example.test", LocalConnector.ConnectorName)])).ToList());

        // Delivered 1234.5 s after it was queued, by the connector's clock: a value no other test makes.
        var connector = new LocalConnector(_queue, new SqliteMailStore(_database.Database), _directory, new QueueSignal(), new TransportOptions(), NullLogger<LocalConnector>.Instance, new ManualTimeProvider(Accepted.AddSeconds(1234.5)));
        var pending = await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10);
        (await connector.DeliverBatchAsync(pending, CancellationToken.None)).Count.ShouldBe(1);

        var mine = latency.All.Where(m => Math.Abs(m.Value - 1234.5) < 0.001).ShouldHaveSingleItem();
        mine.Tags["connector"].ShouldBe(LocalConnector.ConnectorName);
        outcomes.With("connector", LocalConnector.ConnectorName).Where(m => Equals(m.Tags["outcome"], "delivered")).ShouldNotBeEmpty();
    }

    private static async Task AcceptAsync(MessageAcceptor acceptor, string listener)
    {
        await using var writer = acceptor.BeginMessage();
        await writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: metrics\r\n\r\nhello\r\n"));
        await acceptor.CommitAsync(writer, new Envelope("sender@remote.test", [new QueuedRecipient("alice@example.test")], "test [127.0.0.1]"), null, CancellationToken.None, listener);
    }
}
