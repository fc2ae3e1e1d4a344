using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// The queue and the delivered mailboxes in memory, shared by every <see cref="MemoryQueueStore"/>
/// and <see cref="MemoryDeliveryStore"/> opened on it, as instances on one database share it. A
/// "transaction" is one call of <see cref="Transaction{T}"/>: the whole change under one lock,
/// with no await inside, so it is atomic the way the SQLite backend's statements in one
/// transaction are (SqliteQueueStore, SqliteMailStore.DeliverAsync). The stores yield before and
/// after each, so Coyote (or the thread pool) can put another operation between a read and the
/// write that acts on it.
/// </summary>
internal sealed class MemoryQueueDatabase(RemovedProtections removed = RemovedProtections.None)
{
    private readonly object _lock = new();
    private long _nextMessage = 1;
    private long _nextDelivery = 1;

    public RemovedProtections Removed { get; } = removed;

    public SortedDictionary<long, MessageRow> Messages { get; } = [];

    public List<DeliveryRow> Deliveries { get; } = [];

    /// <summary>Source keys of injected messages (queue_sources): key -> (message id, queued at).</summary>
    public Dictionary<string, (long Id, DateTimeOffset At)> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>The directory's users (keys), as the users table in the same database: local delivery stores only for them.</summary>
    public HashSet<string> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>Each user's INBOX: messages in UID order.</summary>
    public Dictionary<string, List<StoredMessage>> Inboxes { get; } = new(StringComparer.Ordinal);

    /// <summary>The delivery keys ('message id:recipient') stored, as the unique index on messages.delivery_key.</summary>
    public HashSet<string> DeliveryKeys { get; } = new(StringComparer.Ordinal);

    public T Transaction<T>(Func<MemoryQueueDatabase, T> change)
    {
        lock (_lock)
        {
            return change(this);
        }
    }

    public long NextMessageId() => _nextMessage++;

    public long NextDeliveryId() => _nextDelivery++;

    /// <summary>
    /// A stable hash of the destination, so every item for one recipient falls in one partition
    /// in every process (a replayed Coyote trace must partition as the run that found it did).
    /// </summary>
    public static long DestinationHash(string recipient)
    {
        long hash = 7;
        foreach (var c in recipient)
        {
            hash = ((hash * 31) + c) % 1_000_000_007;
        }

        return hash;
    }

    public sealed class MessageRow(long id, BlobRef blob, DateTimeOffset receivedAt, Envelope envelope)
    {
        public long Id { get; } = id;

        public BlobRef Blob { get; } = blob;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public Envelope Envelope { get; } = envelope;

        public bool Routed { get; set; }

        /// <summary>The sender got its one "delayed" DSN (queue_messages.delay_warned).</summary>
        public bool DelayWarned { get; set; }

        public DateTimeOffset NextAttempt { get; set; } = DateTimeOffset.MinValue;

        public int Attempts { get; set; }
    }

    public sealed class DeliveryRow(long id, long messageId, Route route)
    {
        public long Id { get; } = id;

        public long MessageId { get; } = messageId;

        public string Recipient { get; } = route.Recipient;

        public string Original { get; } = route.Original;

        public string Connector { get; } = route.Connector;

        public long DestinationHash { get; } = MemoryQueueDatabase.DestinationHash(route.Recipient);

        public string State { get; set; } = route.Error is null ? "pending" : "failed";

        public string? LastError { get; set; } = route.Error;

        public long Fence { get; set; }

        public int Attempts { get; set; }

        public DateTimeOffset NextAttempt { get; set; } = DateTimeOffset.MinValue;

        /// <summary>The recipient's domain, lower case (deliveries.domain).</summary>
        public string Domain { get; } = route.Recipient.LastIndexOf('@') is var at and >= 0 ? route.Recipient[(at + 1)..].ToLowerInvariant() : string.Empty;

        public string? Owner { get; set; }

        public DateTimeOffset? LeaseUntil { get; set; }

        public DateTimeOffset? LastAttempt { get; set; }

        public bool Held { get; set; }

        /// <summary>A failure reported to the sender (deliveries.reported).</summary>
        public bool Reported { get; set; }

        public string? RemoteMta { get; set; }

        /// <summary>Done: delivered, or failed and reported (what lets a message leave the queue).</summary>
        public bool Finished => State == "delivered" || (State == "failed" && Reported);

        public bool InFlight(DateTimeOffset now) => Owner is not null && LeaseUntil > now;
    }
}
