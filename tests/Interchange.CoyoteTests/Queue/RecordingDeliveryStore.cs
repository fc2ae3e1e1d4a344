using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// Passes local deliveries to the mail store and writes the tickets it accepted in a
/// <see cref="QueueLedger"/>; the first <c>failFirst</c> calls fail before reaching the store,
/// as a transaction that did not commit (a full disk), so the connector defers the batch.
/// </summary>
internal sealed class RecordingDeliveryStore(IMailStore inner, QueueLedger ledger, int failFirst = 0) : IMailStore
{
    private int _calls;

    public Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) => inner.GetStructureAsync(blob, cancellationToken);

    public Task SaveStructuresAsync(IReadOnlyList<StoredStructure> structures, CancellationToken cancellationToken = default) => inner.SaveStructuresAsync(structures, cancellationToken);

    public async Task<DeliveryResult> DeliverAsync(IReadOnlyList<MailboxDelivery> deliveries, CancellationToken cancellationToken = default)
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

    public Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default) =>
        inner.ListMessagesAsync(userKey, mailbox, cancellationToken);

    public Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default) =>
        inner.GetMessageAsync(userKey, mailbox, uid, cancellationToken);

    public Task EnsureDefaultMailboxesAsync(string userKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task CreateMailboxAsync(string userKey, string name, string? specialUse = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task DeleteMailboxAsync(string userKey, string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RenameMailboxAsync(string userKey, string from, string to, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetSubscribedAsync(string userKey, string name, bool subscribed, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<MailboxSnapshot?> SnapshotAsync(string userKey, string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<MailboxChanges?> ChangesSinceAsync(string userKey, string name, MailboxViewState since, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<AppendResult> AppendAsync(string userKey, string name, BlobRef blob, IReadOnlyList<string> flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<AppendResult> AppendAsync(string userKey, string name, Interchange.Storage.Content.StagedContent content, IReadOnlyList<string> flags, DateTimeOffset internalDate, StoredStructure? structure, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<StoreResult> StoreFlagsAsync(long mailboxId, IReadOnlyList<long> uids, FlagChange change, IReadOnlyList<string> flags, long? unchangedSince = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<long>> ExpungeAsync(long mailboxId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<CopyResult> CopyAsync(long sourceMailboxId, IReadOnlyList<long> uids, string userKey, string destination, bool move, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long?> FirstRecentUidAsync(long mailboxId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long> ClaimRecentAsync(long mailboxId, long upToUid, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(string userKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
