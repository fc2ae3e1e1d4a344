using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;

namespace Interchange.CoyoteTests;

/// <summary>
/// The mail store's contract with every member refusing: a test double overrides the part it
/// plays (delivery, IMAP reads) and the rest fails loudly if a test reaches it.
/// </summary>
internal abstract class UnsupportedMailStore : IMailStore
{
    public virtual Task EnsureDefaultMailboxesAsync(string userKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task CreateMailboxAsync(string userKey, string name, string? specialUse = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task DeleteMailboxAsync(string userKey, string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task RenameMailboxAsync(string userKey, string from, string to, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task SetSubscribedAsync(string userKey, string name, bool subscribed, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<MailboxSnapshot?> SnapshotAsync(string userKey, string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<MailboxChanges?> ChangesSinceAsync(string userKey, string name, MailboxViewState since, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<AppendResult> AppendAsync(string userKey, string name, StagedContent content, IReadOnlyList<string> flags, DateTimeOffset internalDate, StoredStructure? structure, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<StoreResult> StoreFlagsAsync(long mailboxId, IReadOnlyList<long> uids, FlagChange change, IReadOnlyList<string> flags, long? unchangedSince = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<long>> ExpungeAsync(long mailboxId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<CopyResult> CopyAsync(long sourceMailboxId, IReadOnlyList<long> uids, string userKey, string destination, bool move, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<long?> FirstRecentUidAsync(long mailboxId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<long> ClaimRecentAsync(long mailboxId, long upToUid, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(string userKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<DeliveryResult> DeliverAsync(IReadOnlyList<MailboxDelivery> deliveries, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task SaveStructuresAsync(IReadOnlyList<StoredStructure> structures, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
