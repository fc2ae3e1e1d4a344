using Interchange.Storage.Blobs;
using Interchange.Storage.Content;

namespace Interchange.Storage.Queue;

/// <summary>
/// The durable queue (ARCHITECTURE.md section 3 and rule 2). Notifications are hints only; work
/// is owned through an atomic state change in the store: a worker reads candidates, does its work,
/// and commits the result in one transaction that takes each item only if it is still as the
/// worker found it (still new; still pending with the same fence), so two workers that found the
/// same item cannot both finish it. A local delivery is committed by the mail store
/// (<see cref="Mail.IMailStore.DeliverAsync"/>) in the same transaction as the mailbox write.
/// </summary>
public interface IQueueStore
{
    /// <summary>Records a message (its content a durable blob) and its recipients in one transaction; returns when it is durable.</summary>
    Task<long> EnqueueAsync(BlobRef blob, Envelope envelope, DateTimeOffset receivedAt, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new StagedContent(blob, null), envelope, receivedAt, null, cancellationToken);

    /// <summary>
    /// Records a message and its recipients in one transaction, with its content when the
    /// content is inline (<see cref="StagedContent.Inline"/>) and what parsing it at accept learnt
    /// (<paramref name="structure"/>, when given): message, content and structure become durable
    /// together, in one commit. Returns when it is durable.
    /// </summary>
    Task<long> EnqueueAsync(StagedContent content, Envelope envelope, DateTimeOffset receivedAt, Mail.StoredStructure? structure = null, CancellationToken cancellationToken = default);

    /// <summary>What parsing learnt of a content at accept, or null when it was not kept (accepted before, or by a path that does not parse).</summary>
    Task<Mail.StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default);

    /// <summary>
    /// Messages waiting for the categorizer in one partition (id mod <paramref name="partitions"/>),
    /// due now, oldest first. A read: nothing is owned until <see cref="RouteAsync"/> commits.
    /// </summary>
    Task<IReadOnlyList<QueuedMessage>> FindNewAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records routes for messages found by <see cref="FindNewAsync"/> in one transaction; each is
    /// taken only if it is still new at commit (the atomic state change that makes it ours and
    /// finishes it at once). Returns how many were taken; the rest another worker had.
    /// </summary>
    Task<int> RouteAsync(IReadOnlyList<(QueuedMessage Message, IReadOnlyList<Route> Routes)> routed, CancellationToken cancellationToken = default);

    /// <summary>Puts off a new message whose routing failed, until <paramref name="retryAt"/>.</summary>
    Task DeferNewAsync(long messageId, DateTimeOffset retryAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pending deliveries through <paramref name="connector"/> in one partition of their
    /// destinations (every item for one recipient falls in the same partition, so one worker
    /// serves a mailbox), due now, in acceptance order. An item is held back while mail accepted
    /// before it could still reach its destination first: an earlier message not yet routed (and
    /// not put off after a failure, and accepted less than two minutes ago: routing takes
    /// milliseconds, and one stuck longer must not stop every other mailbox's mail), or an earlier
    /// delivery to the same recipient that is due. So each destination receives in acceptance
    /// order. A read: nothing is owned.
    /// </summary>
    Task<IReadOnlyList<DeliveryItem>> FindPendingAsync(string connector, int partition, int partitions, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Defers (or, with <paramref name="fail"/>, fails) deliveries that are still pending with the
    /// fence they were found with; returns the ids changed.
    /// </summary>
    Task<IReadOnlyList<long>> SetPendingOutcomeAsync(IReadOnlyList<DeliveryItem> items, DateTimeOffset retryAt, string error, bool fail, CancellationToken cancellationToken = default);

    Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets the source keys (<see cref="Envelope.SourceKey"/>) of messages queued before <paramref name="before"/>; returns how many.</summary>
    Task<int> ForgetSourcesAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
