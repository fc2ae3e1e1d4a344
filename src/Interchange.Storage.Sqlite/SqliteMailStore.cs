using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>Reads of mailboxes and messages on the embedded store.</summary>
/// <param name="contents">Checks that appended file content is there (see <see cref="SqliteQueueStore"/>).</param>
public sealed class SqliteMailStore(SqliteDatabase database, TimeProvider? clock = null, MailboxEvents? events = null, SqliteContentStore? contents = null) : IMailStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Told of every committed change, for IDLE.</summary>
    public MailboxEvents Events { get; } = events ?? new MailboxEvents();

    public Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) =>
        database.ReadAsync(c => SqliteStructures.Find(c, blob), cancellationToken).AsTask();

    public Task SaveStructuresAsync(IReadOnlyList<StoredStructure> structures, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(structures);
        return structures.Count == 0 ? Task.CompletedTask : database.Writer.WriteAsync(
            w =>
            {
                foreach (var structure in structures)
                {
                    SqliteStructures.Save(w, structure);
                }

                return structures.Count;
            },
            cancellationToken);
    }

    public Task EnsureDefaultMailboxesAsync(string userKey, CancellationToken cancellationToken = default) =>
        database.Writer.WriteAsync(w =>
        {
            foreach (var (name, specialUse) in new[] { (MailboxNames.Inbox, (string?)null) }.Concat(MailboxNames.Defaults.Select(d => (d.Name, (string?)d.SpecialUse))))
            {
                SqliteMailboxes.FindOrCreate(w, userKey, name, _clock, specialUse);
            }
        }, cancellationToken);

    public Task CreateMailboxAsync(string userKey, string name, string? specialUse = null, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(name);
        return database.Writer.WriteAsync(w =>
        {
            if (SqliteMailboxes.Find(w, userKey, normalized) is not null)
            {
                throw new MailStoreException(MailStoreError.AlreadyExists, $"mailbox {normalized} already exists");
            }

            foreach (var parent in MailboxNames.Parents(normalized))
            {
                SqliteMailboxes.FindOrCreate(w, userKey, parent, _clock);
            }

            SqliteMailboxes.Create(w, userKey, normalized, specialUse, _clock);
        }, cancellationToken);
    }

    public Task DeleteMailboxAsync(string userKey, string name, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(name);
        return database.Writer.WriteAsync(w =>
        {
            if (normalized == MailboxNames.Inbox)
            {
                throw new MailStoreException(MailStoreError.NotAllowed, "INBOX cannot be deleted");
            }

            var box = SqliteMailboxes.Find(w, userKey, normalized) ?? throw new MailStoreException(MailStoreError.NotFound, $"no mailbox {normalized}");
            if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM mailboxes WHERE user_key = @userKey AND substr(name, 1, length(@prefix)) = @prefix", new { userKey, prefix = normalized + MailboxNames.Separator }) > 0)
            {
                throw new MailStoreException(MailStoreError.HasChildren, $"mailbox {normalized} has inferior mailboxes; delete them first");
            }

            w.Execute("DELETE FROM mailboxes WHERE id = @id", new { id = box.Id }); // messages go with it (ON DELETE CASCADE)
        }, cancellationToken);
    }

    public Task RenameMailboxAsync(string userKey, string from, string to, CancellationToken cancellationToken = default)
    {
        var source = Normalize(from);
        var target = Normalize(to);
        return database.Writer.WriteAsync(w =>
        {
            var box = SqliteMailboxes.Find(w, userKey, source) ?? throw new MailStoreException(MailStoreError.NotFound, $"no mailbox {source}");
            if (SqliteMailboxes.Find(w, userKey, target) is not null)
            {
                throw new MailStoreException(MailStoreError.AlreadyExists, $"mailbox {target} already exists");
            }

            if (target.StartsWith(source + MailboxNames.Separator, StringComparison.Ordinal))
            {
                throw new MailStoreException(MailStoreError.NotAllowed, "a mailbox cannot be moved below itself");
            }

            foreach (var parent in MailboxNames.Parents(target))
            {
                SqliteMailboxes.FindOrCreate(w, userKey, parent, _clock);
            }

            if (source == MailboxNames.Inbox)
            {
                // RFC 3501 6.3.5: renaming INBOX moves its messages to a new mailbox; INBOX stays, empty.
                var created = SqliteMailboxes.Create(w, userKey, target, null, _clock);
                SqliteMailboxes.Lock(w, box.Id);
                var uids = w.Query<long>("SELECT uid FROM messages WHERE mailbox_id = @id ORDER BY uid", new { id = box.Id }).ToList();
                CopyMessages(w, box.Id, uids, created.Id, move: true);
                return;
            }

            var prefix = source + MailboxNames.Separator;
            w.Execute(
                "UPDATE mailboxes SET name = @target || substr(name, length(@source) + 1) WHERE user_key = @userKey AND (name = @source OR substr(name, 1, length(@prefix)) = @prefix)",
                new { userKey, source, target, prefix });
        }, cancellationToken);
    }

    public Task SetSubscribedAsync(string userKey, string name, bool subscribed, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(name);
        return database.Writer.WriteAsync(w =>
        {
            if (w.Execute("UPDATE mailboxes SET subscribed = @subscribed WHERE user_key = @userKey AND name = @normalized", new { userKey, normalized, subscribed = subscribed ? 1 : 0 }) == 0)
            {
                throw new MailStoreException(MailStoreError.NotFound, $"no mailbox {normalized}");
            }
        }, cancellationToken);
    }

    public async Task<MailboxSnapshot?> SnapshotAsync(string userKey, string name, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(name);
        return await database.ReadAsync(c =>
        {
            // One read transaction: the mailbox row and its messages are from the same moment.
            using var transaction = c.BeginTransaction(deferred: true);
            var box = c.QuerySingleOrDefault<(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, string? SpecialUse)?>(
                "SELECT id, name, uidvalidity, uidnext, highest_modseq, special_use FROM mailboxes WHERE user_key = @userKey AND name = @normalized", new { userKey, normalized }, transaction);
            if (box is not { } b)
            {
                return null;
            }

            var messages = Query(c, "ORDER BY x.uid", new { userKey, mailbox = normalized }, transaction).ToList();
            return new MailboxSnapshot(b.Id, b.Name, b.UidValidity, b.UidNext, b.HighestModSeq, b.SpecialUse, messages);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MailboxChanges?> ChangesSinceAsync(string userKey, string name, MailboxViewState since, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(name);
        return await database.ReadAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: true);
            var box = c.QuerySingleOrDefault<(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, long Count)?>(
                "SELECT id, name, uidvalidity, uidnext, highest_modseq, message_count FROM mailboxes WHERE user_key = @userKey AND name = @normalized", new { userKey, normalized }, transaction);
            if (box is not { } b)
            {
                return null;
            }

            // UIDs are never reused and are given in commit order (the mailbox row is taken for
            // the allocation), so every message the view held is still here exactly when as many
            // UIDs up to its highest remain as it holds. A view can be past an expunge by modseq
            // without having applied it (IMAP keeps expunged messages in a view during FETCH,
            // STORE and SEARCH, RFC 3501 7.4.1, and takes the modseq), so the modseq alone never
            // says "nothing expunged": the counts do.
            // The UIDs past the view's highest are a range of the primary key (few: the new
            // messages), and the count is kept on the mailbox row (migration 11), so this is two
            // index seeks however large the mailbox, where summing over its messages was a scan.
            var newer = c.ExecuteScalar<long>("SELECT count(*) FROM messages WHERE mailbox_id = @id AND uid > @max", new { id = b.Id, max = since.MaxUid }, transaction);
            var older = b.Count - newer;
            if (b.HighestModSeq == since.ModSeq && older == since.Count && newer == 0)
            {
                // Every change to a mailbox's messages (append, flags, expunge) moves its modseq.
                return new MailboxChanges(b.Id, b.Name, b.UidValidity, b.UidNext, b.HighestModSeq, [], null);
            }

            var changed = Query(c, "AND x.modseq > @since ORDER BY x.uid", new { userKey, mailbox = normalized, since = since.ModSeq }, transaction).ToList();
            var added = changed.Count(m => m.Uid > since.MaxUid);

            // The view has every new message exactly when the changes carry them all; otherwise,
            // or when one it held is gone, it needs the full list.
            var uids = older == since.Count && newer == added
                ? null
                : c.Query<long>("SELECT uid FROM messages WHERE mailbox_id = @id ORDER BY uid", new { id = b.Id }, transaction).ToList();
            return new MailboxChanges(b.Id, b.Name, b.UidValidity, b.UidNext, b.HighestModSeq, changed, uids);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<AppendResult> AppendAsync(string userKey, string name, BlobRef blob, IReadOnlyList<string> flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default) =>
        AppendAsync(userKey, name, new StagedContent(blob, null), flags, internalDate, null, cancellationToken);

    public async Task<AppendResult> AppendAsync(string userKey, string name, StagedContent content, IReadOnlyList<string> flags, DateTimeOffset internalDate, StoredStructure? structure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var normalized = Normalize(name);
        var blob = content.Ref;
        var result = await database.Writer.WriteAsync(w =>
        {
            if (content.Inline is { } bytes)
            {
                SqliteContentStore.Insert(w, blob.Id, bytes);
            }
            else
            {
                contents?.RequirePresent(w, blob);
            }

            if (structure is not null)
            {
                SqliteStructures.Save(w, structure);
            }

            var uid = SqliteMailboxes.Append(w, userKey, normalized, blob, [], internalDate, flags, null, _clock, createMailbox: false);
            return new AppendResult(w.ExecuteScalar<long>("SELECT uidvalidity FROM mailboxes WHERE user_key = @userKey AND name = @normalized", new { userKey, normalized }), uid);
        }, cancellationToken).ConfigureAwait(false);
        Events.Notify(userKey);
        return result;
    }

    public async Task<StoreResult> StoreFlagsAsync(long mailboxId, IReadOnlyList<long> uids, FlagChange change, IReadOnlyList<string> flags, long? unchangedSince = null, CancellationToken cancellationToken = default)
    {
        var (result, owner) = await database.Writer.WriteAsync(w =>
        {
            // The mailbox row first: the flags read below are then the ones this write replaces.
            var highest = SqliteMailboxes.Lock(w, mailboxId);
            var updated = new List<FlagUpdate>();
            var modified = new List<long>();
            var changes = new List<(long Uid, IReadOnlyList<string> Flags)>();
            foreach (var uid in uids.Distinct().Order())
            {
                var row = w.QuerySingleOrDefault<(string Flags, long ModSeq)?>("SELECT flags, modseq FROM messages WHERE mailbox_id = @mailboxId AND uid = @uid", new { mailboxId, uid });
                if (row is not { } current)
                {
                    continue; // expunged meanwhile: nothing to change
                }

                if (unchangedSince is { } since && current.ModSeq > since)
                {
                    modified.Add(uid);
                    continue;
                }

                var before = MessageFlags.Load(current.Flags);
                var after = MessageFlags.Apply(before, change, flags);
                if (MessageFlags.SameSet(before, after))
                {
                    updated.Add(new FlagUpdate(uid, before, current.ModSeq, Changed: false));
                    continue;
                }

                changes.Add((uid, after));
            }

            if (changes.Count > 0)
            {
                // One allocation for the whole command: each changed message its own modseq, in UID order.
                var (_, first) = SqliteMailboxes.Allocate(w, mailboxId, uids: 0, modseqs: changes.Count);
                for (var i = 0; i < changes.Count; i++)
                {
                    var (uid, after) = changes[i];
                    w.Execute("UPDATE messages SET flags = @flags, modseq = @modseq WHERE mailbox_id = @mailboxId AND uid = @uid", new { flags = MessageFlags.Store(after), modseq = first + i, mailboxId, uid });
                    updated.Add(new FlagUpdate(uid, after, first + i, Changed: true));
                }

                highest = first + changes.Count - 1;
                updated.Sort((a, b) => a.Uid.CompareTo(b.Uid));
            }

            return (new StoreResult(updated, modified, highest), Owner(w, mailboxId));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Updated.Any(u => u.Changed))
        {
            Events.Notify(owner);
        }

        return result;
    }

    public async Task<IReadOnlyList<long>> ExpungeAsync(long mailboxId, IReadOnlyList<long>? uids = null, CancellationToken cancellationToken = default)
    {
        var (deleted, owner) = await database.Writer.WriteAsync(w =>
        {
            SqliteMailboxes.Lock(w, mailboxId); // the \Deleted flags read are the ones in force
            var deleted = w.Query<(long Uid, string Flags)>("SELECT uid, flags FROM messages WHERE mailbox_id = @mailboxId ORDER BY uid", new { mailboxId })
                .Where(m => MessageFlags.Load(m.Flags).Contains(MessageFlags.Deleted, StringComparer.OrdinalIgnoreCase))
                .Select(m => m.Uid)
                .Where(uid => uids is null || uids.Contains(uid))
                .ToList();
            RemoveMessages(w, mailboxId, deleted);
            return ((IReadOnlyList<long>)deleted, Owner(w, mailboxId));
        }, cancellationToken).ConfigureAwait(false);
        if (deleted.Count > 0)
        {
            Events.Notify(owner);
        }

        return deleted;
    }

    public async Task<CopyResult> CopyAsync(long sourceMailboxId, IReadOnlyList<long> uids, string userKey, string destination, bool move, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(destination);
        var result = await database.Writer.WriteAsync(w =>
        {
            var target = SqliteMailboxes.Find(w, userKey, normalized) ?? throw new MailStoreException(MailStoreError.NotFound, $"no mailbox {normalized}");

            // Both rows, lowest id first (so two opposite copies cannot deadlock on a row-locking
            // backend), before the source's UIDs are read: none can be expunged under the copy.
            SqliteMailboxes.Lock(w, Math.Min(sourceMailboxId, target.Id));
            SqliteMailboxes.Lock(w, Math.Max(sourceMailboxId, target.Id));
            var existing = w.Query<long>("SELECT uid FROM messages WHERE mailbox_id = @sourceMailboxId ORDER BY uid", new { sourceMailboxId }).ToHashSet();
            var copied = CopyMessages(w, sourceMailboxId, uids.Distinct().Order().Where(existing.Contains).ToList(), target.Id, move);
            return new CopyResult(w.ExecuteScalar<long>("SELECT uidvalidity FROM mailboxes WHERE id = @id", new { id = target.Id }), copied.Source, copied.Destination);
        }, cancellationToken).ConfigureAwait(false);
        Events.Notify(userKey);
        return result;
    }

    public async Task<long?> FirstRecentUidAsync(long mailboxId, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => c.QuerySingleOrDefault<long?>("SELECT first_recent_uid FROM mailboxes WHERE id = @mailboxId", new { mailboxId }), cancellationToken).ConfigureAwait(false);

    public async Task<long> ClaimRecentAsync(long mailboxId, long upToUid, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Read without the writer (most SELECTs find nothing to claim), then a compare-and-set:
            // the UPDATE takes effect only if nobody moved the mark since it was read, so the claim
            // does not rest on this backend serialising its writers.
            var seen = await FirstRecentUidAsync(mailboxId, cancellationToken).ConfigureAwait(false);
            if (seen is not { } first || first > upToUid)
            {
                return upToUid + 1;
            }

            var claimed = await database.Writer.WriteAsync(
                w => w.Execute("UPDATE mailboxes SET first_recent_uid = @next WHERE id = @mailboxId AND first_recent_uid = @first", new { next = upToUid + 1, mailboxId, first }) == 1,
                cancellationToken).ConfigureAwait(false);
            if (claimed)
            {
                return first;
            }
        }
    }

    private static string Owner(SqliteWriteContext w, long mailboxId) =>
        w.QuerySingleOrDefault<string>("SELECT user_key FROM mailboxes WHERE id = @mailboxId", new { mailboxId }) ?? string.Empty;

    /// <summary>Copies messages in UID order, giving each the destination's next UID and a new modseq; with <paramref name="move"/> removes the originals.</summary>
    private static (IReadOnlyList<long> Source, IReadOnlyList<long> Destination) CopyMessages(SqliteWriteContext w, long sourceId, IReadOnlyList<long> uids, long destinationId, bool move)
    {
        var destination = new List<long>(uids.Count);
        if (uids.Count > 0)
        {
            var (firstUid, firstModSeq) = SqliteMailboxes.Allocate(w, destinationId, uids.Count, uids.Count);
            for (var i = 0; i < uids.Count; i++)
            {
                w.Execute("""
                    INSERT INTO messages(mailbox_id, uid, blob, prefix, size, internal_date, flags, modseq, delivery_key)
                    SELECT @destinationId, @newUid, blob, prefix, size, internal_date, flags, @modseq, NULL FROM messages WHERE mailbox_id = @sourceId AND uid = @uid
                    """, new { destinationId, newUid = firstUid + i, modseq = firstModSeq + i, sourceId, uid = uids[i] });
                destination.Add(firstUid + i);
            }
        }

        if (move)
        {
            RemoveMessages(w, sourceId, uids);
        }

        return (uids, destination);
    }

    private static void RemoveMessages(SqliteWriteContext w, long mailboxId, IReadOnlyList<long> uids)
    {
        if (uids.Count == 0)
        {
            return;
        }

        foreach (var uid in uids)
        {
            w.Execute("DELETE FROM messages WHERE mailbox_id = @mailboxId AND uid = @uid", new { mailboxId, uid });
        }

        // The content stays: IMAP sessions that have not yet been told of the expunge may still
        // FETCH the message (RFC 3501 7.4.1), and taking inline content here closed their
        // connections mid-response (ImapTortureTests). Unreferenced content, inline or file, is
        // reclaimed by the collector after a grace period (issue 9 point 5, to come).

        // An expunge is a change too (RFC 7162: HIGHESTMODSEQ moves).
        SqliteMailboxes.Allocate(w, mailboxId, uids: 0, modseqs: 1);
    }

    private static string Normalize(string name) =>
        MailboxNames.Normalize(name, out var error) ?? throw new MailStoreException(MailStoreError.NotAllowed, error);


    public async Task<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(string userKey, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => c.Query<(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, long Count, string? SpecialUse, long Subscribed)>("""
            SELECT m.id, m.name, m.uidvalidity, m.uidnext, m.highest_modseq,
                   (SELECT COUNT(*) FROM messages x WHERE x.mailbox_id = m.id), m.special_use, m.subscribed
            FROM mailboxes m WHERE m.user_key = @userKey ORDER BY m.name = 'INBOX' DESC, m.name
            """, new { userKey })
            .Select(r => new MailboxInfo(r.Id, r.Name, r.UidValidity, r.UidNext, r.HighestModSeq, (int)r.Count, r.SpecialUse, r.Subscribed != 0))
            .ToList(), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => Query(c, "ORDER BY x.uid", new { userKey, mailbox = Normalize(mailbox) }).ToList(), cancellationToken).ConfigureAwait(false);

    public async Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => Query(c, "AND x.uid = @uid", new { userKey, mailbox = Normalize(mailbox), uid }).SingleOrDefault(), cancellationToken).ConfigureAwait(false);

    public async Task<DeliveryResult> DeliverAsync(IReadOnlyList<MailboxDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var result = await database.Writer.WriteDeferrableAsync(w =>
        {
            var done = new List<long>(deliveries.Count);
            var gone = new List<long>();
            var users = new Dictionary<string, bool>(StringComparer.Ordinal); // a user row once taken stays taken until the commit
            foreach (var (item, prefix) in deliveries)
            {
                if (!users.TryGetValue(item.Recipient, out var exists))
                {
                    exists = users[item.Recipient] = HoldUser(w, item.Recipient);
                }

                if (!exists)
                {
                    // Removed after the message was accepted: no mailbox for nobody; the item fails
                    // here, in the transaction that saw the user gone (if it is still ours to fail).
                    if (SqliteQueueStore.TrySetOutcome(w, item, _clock.GetUtcNow(), DeliveryResult.RecipientGoneError, fail: true))
                    {
                        gone.Add(item.Id);
                    }

                    continue;
                }

                // The queue's completion and the mailbox write commit together, or neither does.
                if (SqliteQueueStore.TryComplete(w, item))
                {
                    if (item.Folder is { } folder)
                    {
                        // Made with its special use when this delivery is the first to need it.
                        SqliteMailboxes.FindOrCreate(w, item.Recipient, folder, _clock, MailboxNames.Defaults.FirstOrDefault(d => d.Name == folder).SpecialUse);
                    }

                    SqliteMailboxes.Append(w, item.Recipient, item.Folder ?? MailboxNames.Inbox, item.Blob, prefix, item.ReceivedAt, [], $"{item.MessageId}:{item.Recipient}", _clock);
                    SqliteQueueStore.RemoveIfFinished(w, item.MessageId);
                    done.Add(item.Id);
                }
            }

            return new DeliveryResult(done, gone);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var user in deliveries.Where(d => result.Delivered.Contains(d.Item.Id)).Select(d => d.Item.Recipient).Distinct())
        {
            Events.Notify(user);
        }

        return result;
    }

    /// <summary>
    /// Whether <paramref name="userKey"/> is still a user, holding its row until the delivery
    /// commits. An UPDATE that changes nothing (as RemoveIfFinished takes its message row), so that
    /// one statement is right on both backends. SQLite: the transaction is the only writer, so a
    /// user removal (SqliteDirectoryStore) committed before it is seen here, and one committed
    /// after it comes after the delivery, as if the message had arrived a moment earlier.
    /// PostgreSQL, READ COMMITTED: a plain SELECT would still see the row while a removal that has
    /// deleted it is uncommitted, and the delivery would commit into a user removed under it; the
    /// UPDATE takes the row lock instead, so it waits for that removal and then finds no row, and
    /// a removal that comes second waits for the delivery (SELECT ... FOR KEY SHARE would do the
    /// same without a new row version; SQLite has no FOR clause). No deadlock with the directory's
    /// order: its mutations take the store_locks row first, then address and user rows, and no
    /// queue or mailbox row; a delivery takes no store_locks row (updating it would make every
    /// delivery wait for every other), so the user row is the only lock the two share.
    /// </summary>
    private static bool HoldUser(SqliteWriteContext w, string userKey) =>
        w.Execute("UPDATE users SET disabled = disabled WHERE key = @userKey", new { userKey }) == 1;

    private static IEnumerable<StoredMessage> Query(SqliteConnection c, string tail, object parameters, SqliteTransaction? transaction = null) =>
        c.Query<(long Uid, string Blob, byte[] Prefix, long Size, long InternalDate, string Flags, long ModSeq)>(
                "SELECT x.uid, x.blob, x.prefix, x.size, x.internal_date, x.flags, x.modseq FROM messages x JOIN mailboxes m ON m.id = x.mailbox_id " +
                "WHERE m.user_key = @userKey AND m.name = @mailbox " + tail, parameters, transaction)
            .Select(r => new StoredMessage(
                r.Uid,
                BlobId.TryParse(r.Blob, out var id) ? id : throw new InvalidDataException($"message {r.Uid} names a malformed blob"),
                r.Prefix,
                r.Size,
                DateTimeOffset.FromUnixTimeMilliseconds(r.InternalDate),
                MessageFlags.Load(r.Flags),
                r.ModSeq));
}
