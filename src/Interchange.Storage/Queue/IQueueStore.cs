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

    // Remote connectors (issue 10, rule 2 with a lease). A remote attempt takes seconds to minutes
    // on the network, so it is owned before it starts, not finished in one transaction as a local
    // delivery is: a claim moves due items to "in flight" (owner, lease, fence + 1) in one
    // statement, and only an outcome that names that fence, before the lease lapses, counts.

    /// <summary>
    /// Claims due deliveries of <paramref name="connector"/> for <paramref name="owner"/> in one
    /// atomic statement: up to <paramref name="maxBatches"/> (message, recipient domain) groups,
    /// whole, the earliest due first (never-attempted items in the order they were routed), each item in flight until now + <paramref name="lease"/>
    /// under a new fence, its attempt counted. Items whose lease lapsed (a worker that stalled or
    /// died) are due again and taken like any other. Two workers claiming at once never get the
    /// same item: the one that loses finds nothing (or other items). With <paramref name="domain"/>,
    /// only items for that recipient domain (a connector serving one destination's free slots).
    /// Held items are never claimed.
    /// </summary>
    /// <param name="owner">Who claims, for the log and <c>queue show</c>: "node/worker" (see <see cref="ReleaseClaimsAsync"/>).</param>
    Task<IReadOnlyList<DeliveryBatch>> ClaimAsync(string connector, string owner, int maxBatches, TimeSpan lease, string? domain = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the lease of claimed items to now + <paramref name="lease"/> (a long transfer), each
    /// only if it is still claimed under its fence and its lease has not lapsed; returns the ids
    /// renewed. An item missing from the answer is no longer this worker's: it must stop.
    /// </summary>
    Task<IReadOnlyList<long>> RenewLeaseAsync(IReadOnlyList<DeliveryItem> items, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records attempts' outcomes in one transaction, each only if its item is still claimed under
    /// the fence it names and the lease has not lapsed (a worker whose lease lapsed may have been
    /// overtaken: its outcome is refused, and the item's next attempt counts). Keeps the reply as
    /// the item's last reply; a deferral is due at its retry time (a held item stays held); a
    /// message whose deliveries are all done leaves the queue (delivered, or failed and reported:
    /// a failure waits for <see cref="ReportAsync"/>). <see cref="DeliveryOutcome.RemoteMta"/> is
    /// kept with the reply. Returns the ids recorded.
    /// </summary>
    Task<IReadOnlyList<long>> RecordOutcomeAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the claims of a node that stopped without recording them (at its start: its workers
    /// of before the crash are gone): every item claimed by <paramref name="node"/> or by a
    /// worker "<paramref name="node"/>/..." is due now under a new fence. Returns how many.
    /// </summary>
    Task<int> ReleaseClaimsAsync(string node, CancellationToken cancellationToken = default);

    // The bounce step (issue 10 point 4): failed deliveries become one DSN per message to the
    // envelope sender, queued in the transaction that marks the failures reported, so a crash
    // between the two, or two bounce workers, can neither lose a report nor send it twice.

    /// <summary>
    /// Messages with failed deliveries not yet reported, oldest first, at most <paramref name="max"/>,
    /// each with those failures. A message is left out while one of its deliveries is in flight,
    /// or pending and never attempted (for a short while after acceptance, so a connector that
    /// is not running cannot hold the report back for ever): so the failures of the first round of
    /// attempts go into one DSN. A failure after that (another recipient expiring days later) gets
    /// a DSN of its own, as Postfix sends one per queue run that ends in failures. A read: nothing
    /// is owned until <see cref="ReportAsync"/> commits.
    /// </summary>
    Task<IReadOnlyList<UnreportedMessage>> FindUnreportedAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: marks <paramref name="message"/>'s failures reported, only if every one
    /// of them is still failed, unreported and under the fence it was found with (else changes
    /// nothing and says so: a second worker that raced for the same failures loses); queues the
    /// DSN (<paramref name="dsn"/> with <paramref name="dsnEnvelope"/>, received now) when one is
    /// given: none for a null sender, or when no recipient asked for one; and removes the original
    /// when nothing is left to do for it. Durable when it returns.
    /// </summary>
    Task<FailureReport> ReportAsync(UnreportedMessage message, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default);

    /// <summary>
    /// Messages accepted before <paramref name="acceptedBefore"/> (now less
    /// <c>Transport:DelayWarningAfter</c>) whose sender has not been warned of a delay, with the
    /// deliveries still pending after at least one attempt (not held, not in flight), oldest first,
    /// at most <paramref name="max"/>. A read.
    /// </summary>
    Task<IReadOnlyList<DelayedMessage>> FindDelayedAsync(DateTimeOffset acceptedBefore, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: records that the sender of <paramref name="messageId"/> was warned of
    /// its delay, only if it was not yet (else changes nothing: another worker warned first), and
    /// queues the "delayed" DSN when one is given (none when no recipient asked for it). At most
    /// one warning per message. <see cref="FailureReport.OriginalRemoved"/> is always false.
    /// </summary>
    Task<FailureReport> WarnDelayAsync(long messageId, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default);

    // Administration (postqueue -p / postsuper, issue 10 point 6). Each action is one transaction
    // over the recipients the filter matches and returns how many recipients it changed.

    /// <summary>Queued messages with the recipients the filter matches, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<QueueEntry>> ListAsync(QueueFilter filter, int max = 1000, CancellationToken cancellationToken = default);

    /// <summary>One message, every recipient; null when it is not queued (delivered, deleted, never was).</summary>
    Task<QueueEntry?> ShowAsync(long messageId, CancellationToken cancellationToken = default);

    /// <summary>Makes matching pending recipients (not held, not in flight) due now; with a message id, also a message whose routing was put off.</summary>
    Task<int> RetryAsync(QueueFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Makes every deferred recipient and every put-off routing due now (<c>postqueue -f</c>).</summary>
    Task<int> FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Holds matching pending recipients: never attempted until released. An attempt under way finishes; if it defers, the item stays held.</summary>
    Task<int> HoldAsync(QueueFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Releases matching held recipients: due now.</summary>
    Task<int> ReleaseAsync(QueueFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes matching recipients that are not delivered (no delivery, no bounce), and messages
    /// left with nothing to do; an attempt under way can no longer record. With a message id, a
    /// message not routed yet goes too.
    /// </summary>
    Task<int> DeleteAsync(QueueFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fails matching pending recipients (held or in flight too) with <see cref="AdministratorBounce"/>,
    /// so the bounce step sends their DSN; an attempt under way can no longer record.
    /// </summary>
    Task<int> BounceAsync(QueueFilter filter, CancellationToken cancellationToken = default);

    /// <summary>The last reply of a recipient an administrator bounced.</summary>
    public const string AdministratorBounce = "5.0.0 bounced by the administrator";

    Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets the source keys (<see cref="Envelope.SourceKey"/>) of messages queued before <paramref name="before"/>; returns how many.</summary>
    Task<int> ForgetSourcesAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
