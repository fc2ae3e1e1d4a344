using Interchange.Storage.Blobs;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// Mailbox writes shared by delivery, APPEND, COPY, STORE and EXPUNGE: the one place that hands
/// out UIDs and modseqs (<see cref="Allocate"/>). Each allocation is one UPDATE … RETURNING on the
/// mailbox row, so it is atomic by itself, not because SQLite has a single writer: under
/// PostgreSQL's READ COMMITTED the same statement takes the row lock and reads the latest
/// committed counters, and two transactions can never get the same UID or modseq.
/// </summary>
internal static class SqliteMailboxes
{
    /// <summary>
    /// Appends a message to a user's mailbox (created if missing: INBOX on first delivery),
    /// assigning the next UID and modseq. With a <paramref name="deliveryKey"/> already present,
    /// nothing is added: returns the existing UID.
    /// </summary>
    public static long Append(SqliteWriteContext w, string userKey, string mailbox, BlobRef blob, byte[] prefix, DateTimeOffset internalDate, IReadOnlyList<string> flags, string? deliveryKey, TimeProvider clock, bool createMailbox = true)
    {
        // A retried delivery adds nothing. The unique index on the key is what guarantees it: two
        // transactions that both pass this check cannot both insert (the second fails and its
        // retry finds the first's row), so the check needs no lock of its own.
        if (deliveryKey is not null
            && w.QuerySingleOrDefault<long?>("SELECT uid FROM messages WHERE delivery_key = @deliveryKey", new { deliveryKey }) is { } existing)
        {
            return existing;
        }

        var id = createMailbox
            ? FindOrCreate(w, userKey, mailbox, clock)
            : Find(w, userKey, mailbox)?.Id ?? throw new Mail.MailStoreException(Mail.MailStoreError.NotFound, $"no mailbox {mailbox}");
        var (uid, modseq) = Allocate(w, id, uids: 1, modseqs: 1);
        w.Execute("""
            INSERT INTO messages(mailbox_id, uid, blob, prefix, size, internal_date, flags, modseq, delivery_key)
            VALUES (@id, @uid, @blob, @prefix, @size, @date, @flags, @modseq, @deliveryKey)
            """, new
        {
            id,
            uid,
            blob = blob.Id.Hex,
            prefix,
            size = prefix.Length + blob.Length,
            date = internalDate.ToUnixTimeMilliseconds(),
            flags = Mail.MessageFlags.Store(Mail.MessageFlags.Normalize(flags)),
            modseq,
            deliveryKey,
        });
        return uid;
    }

    /// <summary>
    /// Reserves <paramref name="uids"/> consecutive UIDs and <paramref name="modseqs"/> consecutive
    /// modseqs of a mailbox in one statement and returns the first of each; with zero of both it
    /// only takes the mailbox row (see <see cref="Lock"/>). Every path that adds, changes or
    /// removes a mailbox's messages comes through here.
    /// </summary>
    public static (long FirstUid, long FirstModSeq) Allocate(SqliteWriteContext w, long mailboxId, int uids, int modseqs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(uids);
        ArgumentOutOfRangeException.ThrowIfNegative(modseqs);
        var next = w.QuerySingleOrDefault<(long UidNext, long HighestModSeq)?>(
            "UPDATE mailboxes SET uidnext = uidnext + @uids, highest_modseq = highest_modseq + @modseqs WHERE id = @mailboxId RETURNING uidnext, highest_modseq",
            new { mailboxId, uids, modseqs })
            ?? throw new Mail.MailStoreException(Mail.MailStoreError.NotFound, "the mailbox no longer exists");
        return (next.UidNext - uids, next.HighestModSeq - modseqs + 1);
    }

    /// <summary>
    /// Takes the mailbox row for the rest of the transaction and returns its highest modseq: a
    /// writer that reads messages before deciding what to change (STORE, EXPUNGE, COPY) calls this
    /// first, so no other writer of the mailbox changes them between its read and its write.
    /// </summary>
    public static long Lock(SqliteWriteContext w, long mailboxId) => Allocate(w, mailboxId, 0, 0).FirstModSeq - 1;

    public static (long Id, long UidNext, long HighestModSeq)? Find(SqliteWriteContext w, string userKey, string mailbox) =>
        w.QuerySingleOrDefault<(long Id, long UidNext, long HighestModSeq)?>(
            "SELECT id, uidnext, highest_modseq FROM mailboxes WHERE user_key = @userKey AND name = @mailbox", new { userKey, mailbox });

    /// <summary>
    /// The mailbox's id, making it if missing; two deliveries making one user's INBOX at once
    /// both end with the same row (the insert does nothing on the unique name).
    /// </summary>
    public static long FindOrCreate(SqliteWriteContext w, string userKey, string mailbox, TimeProvider clock, string? specialUse = null)
    {
        if (Find(w, userKey, mailbox) is { } found)
        {
            return found.Id;
        }

        w.Execute(
            "INSERT INTO mailboxes(user_key, name, uidvalidity, special_use) VALUES (@userKey, @mailbox, @uidValidity, @specialUse) ON CONFLICT(user_key, name) DO NOTHING",
            new { userKey, mailbox, uidValidity = NextUidValidity(w, clock), specialUse });
        return Find(w, userKey, mailbox)!.Value.Id;
    }

    /// <summary>
    /// Makes a mailbox with a fresh UIDVALIDITY. The caller looked first for a better message;
    /// the unique name decides a race with another writer making the same mailbox.
    /// </summary>
    public static (long Id, long UidNext, long HighestModSeq) Create(SqliteWriteContext w, string userKey, string mailbox, string? specialUse, TimeProvider clock)
    {
        var id = w.QuerySingleOrDefault<long?>(
            "INSERT INTO mailboxes(user_key, name, uidvalidity, special_use) VALUES (@userKey, @mailbox, @uidValidity, @specialUse) ON CONFLICT(user_key, name) DO NOTHING RETURNING id",
            new { userKey, mailbox, uidValidity = NextUidValidity(w, clock), specialUse })
            ?? throw new Mail.MailStoreException(Mail.MailStoreError.AlreadyExists, $"mailbox {mailbox} already exists");
        return (id, 1, 1);
    }

    /// <summary>
    /// UIDVALIDITY: the time in seconds, as Dovecot does, but never less than one more than the
    /// last one issued in this store, so a mailbox deleted and made again within the same second
    /// still gets a new value (RFC 3501 2.3.1.1). Fits 32 bits until 2106. One upsert reads and
    /// moves the mark, so two mailboxes made at once cannot get the same value.
    /// </summary>
    public static long NextUidValidity(SqliteWriteContext w, TimeProvider clock)
    {
        var value = w.ExecuteScalar<string>("""
            INSERT INTO settings(name, value) VALUES ('last_uidvalidity', @now)
            ON CONFLICT(name) DO UPDATE SET value = MAX(CAST(value AS INTEGER) + 1, @now)
            RETURNING value
            """, new { now = clock.GetUtcNow().ToUnixTimeSeconds() });
        return long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
