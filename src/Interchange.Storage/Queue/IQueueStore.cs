using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>
/// The durable queue (ARCHITECTURE.md section 3 and rule 2). Notifications are hints only; work
/// is owned through an atomic state change in the store, in one of two ways. Short work that only
/// touches the store (routing, local delivery) reads candidates and commits its result in one
/// transaction that takes each item only if it is still unclaimed. Slow work outside the store
/// (connectors) claims items with an owner, a lease and a new fencing token, and its completion
/// changes nothing if the claim was lost.
/// </summary>
public interface IQueueStore
{
    /// <summary>Records a message and its recipients in one transaction; returns when it is durable.</summary>
    Task<long> EnqueueAsync(BlobRef blob, Envelope envelope, DateTimeOffset receivedAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Messages waiting for the categorizer in one partition (id mod <paramref name="partitions"/>),
    /// not claimed by anyone (or with a lapsed claim). A read: nothing is owned until
    /// <see cref="RouteAsync"/> commits.
    /// </summary>
    Task<IReadOnlyList<QueuedMessage>> FindNewAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records routes for messages found by <see cref="FindNewAsync"/> in one transaction; each is
    /// taken only if it is still new and unclaimed at commit (the atomic state change that makes
    /// it ours and finishes it at once). Returns how many were taken; the rest another worker had.
    /// </summary>
    Task<int> RouteAsync(IReadOnlyList<(QueuedMessage Message, IReadOnlyList<Route> Routes)> routed, CancellationToken cancellationToken = default);

    /// <summary>Puts off an unclaimed new message whose routing failed, until <paramref name="retryAt"/>.</summary>
    Task DeferNewAsync(long messageId, DateTimeOffset retryAt, CancellationToken cancellationToken = default);

    /// <summary>Pending local deliveries in one partition, unclaimed or with a lapsed claim. A read.</summary>
    Task<IReadOnlyList<DeliveryItem>> FindPendingLocalAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends each item to its recipient's INBOX and marks it delivered, all in one transaction;
    /// an item is taken only if it is still pending and unclaimed at commit, so two workers that
    /// found the same item cannot both deliver it. Returns the ids delivered.
    /// </summary>
    Task<IReadOnlyList<long>> DeliverPendingLocallyAsync(IReadOnlyList<(DeliveryItem Item, byte[] TracePrefix)> items, CancellationToken cancellationToken = default);

    /// <summary>Defers (or, with <paramref name="fail"/>, fails) unclaimed pending deliveries.</summary>
    Task SetPendingOutcomeAsync(IReadOnlyList<long> deliveryIds, DateTimeOffset retryAt, string error, bool fail, CancellationToken cancellationToken = default);

    /// <summary>Claims up to <paramref name="max"/> pending deliveries of one kind.</summary>
    Task<IReadOnlyList<DeliveryItem>> ClaimDeliveriesAsync(string owner, bool local, int max, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends the message to the recipient's INBOX and marks the delivery done, in one
    /// transaction, keyed by (message, recipient) so a repeated attempt never adds a copy.
    /// The queue entry goes when its last delivery is done.
    /// </summary>
    Task<DeliveryOutcome> DeliverLocallyAsync(DeliveryItem item, string owner, byte[] tracePrefix, CancellationToken cancellationToken = default);

    Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Clears every claim whose owner starts with <paramref name="ownerPrefix"/>: at start, the
    /// claims of this node's previous run, whose process is gone. Returns how many.
    /// </summary>
    Task<int> ReleaseClaimsAsync(string ownerPrefix, CancellationToken cancellationToken = default);
}
