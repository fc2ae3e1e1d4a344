using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>
/// A queued message whose sender may get its one "delayed" DSN (<see cref="IQueueStore.FindDelayedAsync"/>):
/// its deliveries still being retried after at least one attempt.
/// </summary>
/// <param name="Envelope">The original envelope, every RCPT TO with its NOTIFY and ORCPT.</param>
/// <param name="Delayed">The deliveries tried and deferred, in queue order; their last reply says why.</param>
public sealed record DelayedMessage(long MessageId, BlobRef Blob, DateTimeOffset ReceivedAt, Envelope Envelope, IReadOnlyList<ReportableDelivery> Delayed);
