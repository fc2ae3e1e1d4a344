using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>
/// A queued message with failures its sender has not been told of
/// (<see cref="IQueueStore.FindUnreportedAsync"/>): what one DSN covering them needs.
/// </summary>
/// <param name="Envelope">The original envelope: reverse-path, ENVID, RET, SMTPUTF8, and every RCPT TO with its NOTIFY and ORCPT.</param>
/// <param name="Failures">The failed, unreported deliveries, in queue order.</param>
public sealed record UnreportedMessage(long MessageId, BlobRef Blob, DateTimeOffset ReceivedAt, Envelope Envelope, IReadOnlyList<ReportableDelivery> Failures);
