namespace Interchange.Storage.Mail;

/// <summary>
/// Mailboxes and their messages (the store side of IMAP and POP3). Every change is one
/// transaction that assigns UIDs and modseqs (RFC 7162) in order; names are as
/// <see cref="MailboxNames"/> keeps them. Refusals throw <see cref="MailStoreException"/>.
/// </summary>
public interface IMailStore
{
    /// <summary>Creates INBOX and the special-use mailboxes a user lacks (first login); idempotent.</summary>
    Task EnsureDefaultMailboxesAsync(string userKey, CancellationToken cancellationToken = default);

    /// <summary>Creates a mailbox and any missing superior names (RFC 3501 6.3.3).</summary>
    Task CreateMailboxAsync(string userKey, string name, string? specialUse = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a mailbox and its messages; INBOX and mailboxes with children are refused.</summary>
    Task DeleteMailboxAsync(string userKey, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renames a mailbox and its inferiors, keeping UIDVALIDITY and UIDs. Renaming INBOX moves its
    /// messages to the new name and leaves INBOX empty (RFC 3501 6.3.5).
    /// </summary>
    Task RenameMailboxAsync(string userKey, string from, string to, CancellationToken cancellationToken = default);

    Task SetSubscribedAsync(string userKey, string name, bool subscribed, CancellationToken cancellationToken = default);

    /// <summary>The mailbox and all its messages at one moment, or null if it does not exist.</summary>
    Task<MailboxSnapshot?> SnapshotAsync(string userKey, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// What a view of the mailbox taken at <paramref name="since"/> must learn to catch up, from one
    /// moment: the mailbox now, every message changed or added after <c>since.ModSeq</c>, and the UIDs
    /// of all messages when some the view holds are gone (expunged). Null if the mailbox no longer
    /// exists. Costs one indexed read when nothing changed, never a read of unchanged messages.
    /// </summary>
    Task<MailboxChanges?> ChangesSinceAsync(string userKey, string name, MailboxViewState since, CancellationToken cancellationToken = default);

    /// <summary>Appends a message (IMAP APPEND) already written as a file, with its flags and internal date.</summary>
    Task<AppendResult> AppendAsync(string userKey, string name, Blobs.BlobRef blob, IReadOnlyList<string> flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default) =>
        AppendAsync(userKey, name, new Content.StagedContent(blob, null), flags, internalDate, null, cancellationToken);

    /// <summary>
    /// Appends a message (IMAP APPEND) with its flags and internal date: a small one's bytes and
    /// what parsing learnt of it (<paramref name="structure"/>) are written in the transaction
    /// that appends it, as the queue does for an accepted message.
    /// </summary>
    Task<AppendResult> AppendAsync(string userKey, string name, Content.StagedContent content, IReadOnlyList<string> flags, DateTimeOffset internalDate, StoredStructure? structure, CancellationToken cancellationToken = default);

    /// <summary>Changes flags of the given UIDs; with <paramref name="unchangedSince"/>, skips (and reports) messages modified after it.</summary>
    Task<StoreResult> StoreFlagsAsync(long mailboxId, IReadOnlyList<long> uids, FlagChange change, IReadOnlyList<string> flags, long? unchangedSince = null, CancellationToken cancellationToken = default);

    /// <summary>Removes messages flagged \Deleted (only among <paramref name="uids"/> when given); returns their UIDs, ascending.</summary>
    Task<IReadOnlyList<long>> ExpungeAsync(long mailboxId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default);

    /// <summary>Copies (or, with <paramref name="move"/>, moves) messages to another mailbox of the same user.</summary>
    Task<CopyResult> CopyAsync(long sourceMailboxId, IReadOnlyList<long> uids, string userKey, string destination, bool move, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first UID that no session has claimed as recent (RFC 3501 2.3.2 \Recent): messages from it
    /// on are recent to whoever claims them. Null if the mailbox no longer exists.
    /// </summary>
    Task<long?> FirstRecentUidAsync(long mailboxId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims as recent, for one session, the unclaimed messages up to <paramref name="upToUid"/>: one
    /// atomic change, so of sessions claiming at once each UID goes to exactly one. Returns the first
    /// UID claimed (the claim is that UID to <paramref name="upToUid"/>); above <paramref name="upToUid"/>
    /// when there was nothing left to claim.
    /// </summary>
    Task<long> ClaimRecentAsync(long mailboxId, long upToUid, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(string userKey, CancellationToken cancellationToken = default);

    /// <summary>Messages of a mailbox in UID order; empty if the mailbox does not exist.</summary>
    Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default);

    Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default);

    /// <summary>
    /// Local delivery: appends each item's message to its recipient's INBOX (made on first
    /// delivery) and completes the item in the queue, all in one transaction, in list order. An
    /// item is stored only if the queue still has it pending with its fence (the queue's
    /// completion ticket, <see cref="Queue.DeliveryItem"/>), and the append is keyed by (message,
    /// recipient), so two workers or a retry after a crash never store a second copy. The
    /// recipient must be a user in the directory as the transaction sees it: an item whose user
    /// is gone (removed after its message was accepted) is not stored, no mailbox is made for it,
    /// and it is failed in the same transaction (<see cref="DeliveryResult.RecipientGoneError"/>),
    /// again only if still pending with its fence. A caller's own directory check beforehand is
    /// an early answer, this is the guarantee. IDLE sessions of the users delivered to are told.
    /// </summary>
    Task<DeliveryResult> DeliverAsync(IReadOnlyList<MailboxDelivery> deliveries, CancellationToken cancellationToken = default);

    /// <summary>What parsing learnt of a content (at accept, at APPEND, or on first use), or null when nothing was kept.</summary>
    Task<StoredStructure?> GetStructureAsync(Blobs.BlobId blob, CancellationToken cancellationToken = default);

    /// <summary>Keeps parsed structures, in one transaction; a content that has one keeps the first (same bytes, same structure).</summary>
    Task SaveStructuresAsync(IReadOnlyList<StoredStructure> structures, CancellationToken cancellationToken = default);
}
