using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>
/// One pending delivery, a message to one final destination through one connector, as a worker
/// found it. <see cref="Id"/> and <see cref="Fence"/> are its completion ticket: a completion
/// (or a deferral) changes the item only if it is still pending with this fence, so a worker
/// whose view went stale, because another finished or deferred the item meanwhile, changes
/// nothing.
/// </summary>
public sealed record DeliveryItem(
    long Id,
    long MessageId,
    long Fence,
    string Recipient,
    string Original,
    string Connector,
    int Attempts,
    BlobRef Blob,
    string MailFrom,
    DateTimeOffset ReceivedAt);
