using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>
/// What one claim (<see cref="IQueueStore.ClaimAsync"/>) gave a remote connector for one message and
/// one recipient domain: everything one SMTP transaction needs (MAIL FROM with the message's DSN and
/// body parameters, one RCPT TO per item). Each item is owned until <see cref="LeaseUntil"/> under its
/// own fence; its outcome is recorded with <see cref="IQueueStore.RecordOutcomeAsync"/>.
/// </summary>
/// <param name="Domain">The recipients' domain, lower case ('' for an address without one).</param>
/// <param name="Envelope">The message's envelope as accepted; its recipients are all of the message's, in RCPT order.</param>
/// <param name="Items">
/// The claimed deliveries, in queue order; <see cref="DeliveryItem.Attempts"/> is this attempt's
/// number (counted at the claim, so an attempt a crash cut short counts too), and
/// <see cref="DeliveryItem.Notify"/>/<see cref="DeliveryItem.OriginalRecipient"/> are the DSN
/// parameters of the RCPT TO each came from.
/// </param>
public sealed record DeliveryBatch(
    long MessageId,
    string Domain,
    BlobRef Blob,
    DateTimeOffset ReceivedAt,
    Envelope Envelope,
    IReadOnlyList<DeliveryItem> Items,
    DateTimeOffset LeaseUntil);
