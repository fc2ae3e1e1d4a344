using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// Passes local deliveries to the mail store and writes the tickets it accepted in a
/// <see cref="QueueLedger"/>; the first <c>failFirst</c> calls fail before reaching the store,
/// as a transaction that did not commit (a full disk), so the connector defers the batch.
/// </summary>
internal sealed class RecordingDeliveryStore(IMailStore inner, QueueLedger ledger, int failFirst = 0) : UnsupportedMailStore
{
    private int _calls;

    public override Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) => inner.GetStructureAsync(blob, cancellationToken);

    public override Task SaveStructuresAsync(IReadOnlyList<StoredStructure> structures, CancellationToken cancellationToken = default) => inner.SaveStructuresAsync(structures, cancellationToken);

    public override async Task<DeliveryResult> DeliverAsync(IReadOnlyList<MailboxDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) <= failFirst)
        {
            await Task.Yield();
            throw new IOException("disk full (injected)");
        }

        var result = await inner.DeliverAsync(deliveries, cancellationToken);
        ledger.AddAccepted(deliveries.Select(d => d.Item), result.Delivered, "delivered");
        ledger.AddAccepted(deliveries.Select(d => d.Item), result.RecipientGone, "failed");
        return result;
    }

    public override Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default) =>
        inner.ListMessagesAsync(userKey, mailbox, cancellationToken);

    public override Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default) =>
        inner.GetMessageAsync(userKey, mailbox, uid, cancellationToken);
}
