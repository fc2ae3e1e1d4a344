using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>
/// One pending delivery, a message to one final destination through one connector, as a worker
/// found it. <see cref="Id"/> and <see cref="Fence"/> are its completion ticket: a completion
/// (or a deferral) changes the item only if it is still pending with this fence, so a worker
/// whose view went stale, because another finished or deferred the item meanwhile, changes
/// nothing. A remote claim (<see cref="IQueueStore.ClaimAsync"/>) also owns the item under a lease
/// and moves the fence, so an outcome names the claim it belongs to.
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
    DateTimeOffset ReceivedAt)
{
    /// <summary>NOTIFY of the RCPT TO this item came from (RFC 3461 4.1); set by a remote claim.</summary>
    public string? Notify { get; init; }

    /// <summary>ORCPT of the RCPT TO this item came from (RFC 3461 4.2); set by a remote claim.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>The mailbox a local delivery goes to when not INBOX (<see cref="Envelope.Folder"/>); set by the local look.</summary>
    public string? Folder { get; init; }
}
