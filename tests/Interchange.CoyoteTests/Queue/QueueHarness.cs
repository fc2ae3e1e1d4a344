using System.Text;
using Interchange.Directory.Resolution;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Transport;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// The transport's real workers (<see cref="Categorizer"/>, <see cref="LocalConnector"/>) over
/// the in-memory queue, as one or more nodes on one database: each node's workers are its own
/// objects, all woken by one change feed's pulses. Users alice and bob fall in different
/// destination partitions of two; team is an alias for both.
/// </summary>
internal sealed class QueueHarness
{
    public const string Domain = "example.test";
    public const string Alice = "alice@example.test";
    public const string Bob = "bob@example.test";
    public const string Team = "team@example.test";

    public QueueHarness(int failFirstDeliveries = 0)
    {
        Database = new MemoryQueueDatabase(RemovedFromEnvironment());
        Database.Users.UnionWith([Alice, Bob]);
        Queue = new RecordingQueueStore(new MemoryQueueStore(Database, Clock), Ledger);
        Mail = new RecordingDeliveryStore(new MemoryDeliveryStore(Database), Ledger, failFirstDeliveries);
        Directory = new RoutingDirectory(Domain, [Alice, Bob], new Dictionary<string, string[]> { [Team] = [Alice, Bob] });
        NewMessages = new QueueSignal(Feed, "new");
        Deliveries = new QueueSignal(Feed, "deliveries");
    }

    public ManualClock Clock { get; } = new();

    public MemoryQueueDatabase Database { get; }

    public QueueLedger Ledger { get; } = new();

    public IQueueStore Queue { get; }

    public IMailStore Mail { get; }

    public RoutingDirectory Directory { get; }

    public MemoryBlobStore Blobs { get; } = new();

    public ControlledChangeFeed Feed { get; } = new();

    public QueueSignal NewMessages { get; }

    public QueueSignal Deliveries { get; }

    /// <summary>
    /// Workers wake only when pulsed: the poll is an hour, so no timer outside Coyote's control
    /// ever fires, and a test pulses for the poll when <see cref="Feed"/> says every worker sleeps.
    /// </summary>
    public TransportOptions Options { get; } = new() { ClaimBatch = 2, PollInterval = TimeSpan.FromHours(1) };

    /// <summary>Blob contents in acceptance order (their index is the order).</summary>
    public List<BlobId> Accepted { get; } = [];

    public Categorizer NewCategorizer() =>
        new(Queue, new RecipientResolver(Directory), new RoutingTable(), new Interchange.Storage.Content.BlobContentStore(Blobs), NewMessages, Deliveries, Options, NullLogger<Categorizer>.Instance);

    public Interchange.Transport.Bounces.BounceGenerator NewBounceGenerator() =>
        new(Queue, new Interchange.Storage.Content.BlobContentStore(Blobs), new Interchange.Transport.Bounces.DsnBuilder("mx.example.test", Options), new QueueSignal(Feed, "failures"), NewMessages, Options, NullLogger<Interchange.Transport.Bounces.BounceGenerator>.Instance);

    public LocalConnector NewLocalConnector() =>
        new(Queue, Mail, Directory, Deliveries, Options, NullLogger<LocalConnector>.Instance, Clock);

    /// <summary>Accepts a message as the acceptor does: durable in the queue, then a pulse for the categorizers.</summary>
    public async Task<long> AcceptAsync(string name, params string[] recipients)
    {
        var blob = Blobs.Add(Encoding.ASCII.GetBytes($"Message-ID: <{name}@{Domain}>\r\nSubject: {name}\r\n\r\n{name}\r\n"));
        Accepted.Add(blob.Id);
        var id = await Queue.EnqueueAsync(blob, new Envelope("sender@remote.test", recipients.Select(r => new QueuedRecipient(r)).ToList(), "test [192.0.2.1]"), Clock.GetUtcNow());
        NewMessages.Pulse();
        return id;
    }

    /// <summary>Each user's INBOX as acceptance indexes of its messages, in UID order.</summary>
    public IReadOnlyList<int> Inbox(string user) =>
        Database.Transaction(db => db.Inboxes.TryGetValue(user, out var inbox) ? inbox.Select(m => Accepted.IndexOf(m.Blob)).ToList() : []);

    /// <summary>Nothing left to do: every accepted message delivered everywhere and gone from the queue.</summary>
    public bool QueueEmpty() => Database.Transaction(db => db.Messages.Count == 0);

    private static RemovedProtections RemovedFromEnvironment() =>
        Environment.GetEnvironmentVariable("INTERCHANGE_COYOTE_REMOVE") is { Length: > 0 } names
            ? Enum.Parse<RemovedProtections>(names, ignoreCase: true)
            : RemovedProtections.None;
}
