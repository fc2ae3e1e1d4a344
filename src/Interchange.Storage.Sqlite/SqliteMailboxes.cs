using Interchange.Storage.Blobs;

namespace Interchange.Storage.Sqlite;

/// <summary>Mailbox writes shared by delivery and (later) IMAP APPEND/COPY: UID and modseq assignment.</summary>
internal static class SqliteMailboxes
{
    /// <summary>
    /// Appends a message to a user's mailbox (created if missing: INBOX on first delivery),
    /// assigning the next UID and modseq. With a <paramref name="deliveryKey"/> already present,
    /// nothing is added: returns the existing UID.
    /// </summary>
    public static long Append(SqliteWriteContext w, string userKey, string mailbox, BlobRef blob, byte[] prefix, DateTimeOffset internalDate, IReadOnlyList<string> flags, string? deliveryKey, TimeProvider clock, bool createMailbox = true)
    {
        if (deliveryKey is not null
            && w.QuerySingleOrDefault<long?>("SELECT uid FROM messages WHERE delivery_key = @deliveryKey", new { deliveryKey }) is { } existing)
        {
            return existing;
        }

        var box = Find(w, userKey, mailbox) ?? (createMailbox
            ? Create(w, userKey, mailbox, null, clock)
            : throw new Mail.MailStoreException(Mail.MailStoreError.NotFound, $"no mailbox {mailbox}"));
        w.Execute("""
            INSERT INTO messages(mailbox_id, uid, blob, prefix, size, internal_date, flags, modseq, delivery_key)
            VALUES (@id, @uid, @blob, @prefix, @size, @date, @flags, @modseq, @deliveryKey)
            """, new
        {
            id = box.Id,
            uid = box.UidNext,
            blob = blob.Id.Hex,
            prefix,
            size = prefix.Length + blob.Length,
            date = internalDate.ToUnixTimeMilliseconds(),
            flags = Mail.MessageFlags.Store(Mail.MessageFlags.Normalize(flags)),
            modseq = box.HighestModSeq + 1,
            deliveryKey,
        });
        w.Execute("UPDATE mailboxes SET uidnext = uidnext + 1, highest_modseq = highest_modseq + 1 WHERE id = @id", new { id = box.Id });
        return box.UidNext;
    }

    public static (long Id, long UidNext, long HighestModSeq)? Find(SqliteWriteContext w, string userKey, string mailbox) =>
        w.QuerySingleOrDefault<(long Id, long UidNext, long HighestModSeq)?>(
            "SELECT id, uidnext, highest_modseq FROM mailboxes WHERE user_key = @userKey AND name = @mailbox", new { userKey, mailbox });

    /// <summary>Makes a mailbox with a fresh UIDVALIDITY; the caller checked it does not exist.</summary>
    public static (long Id, long UidNext, long HighestModSeq) Create(SqliteWriteContext w, string userKey, string mailbox, string? specialUse, TimeProvider clock)
    {
        var id = w.ExecuteScalar<long>(
            "INSERT INTO mailboxes(user_key, name, uidvalidity, special_use) VALUES (@userKey, @mailbox, @uidValidity, @specialUse) RETURNING id",
            new { userKey, mailbox, uidValidity = NextUidValidity(w, clock), specialUse });
        return (id, 1, 1);
    }

    /// <summary>
    /// UIDVALIDITY: the time in seconds, as Dovecot does, but never less than one more than the
    /// last one issued in this store, so a mailbox deleted and made again within the same second
    /// still gets a new value (RFC 3501 2.3.1.1). Fits 32 bits until 2106.
    /// </summary>
    public static long NextUidValidity(SqliteWriteContext w, TimeProvider clock)
    {
        var last = w.QuerySingleOrDefault<string>("SELECT value FROM settings WHERE name = 'last_uidvalidity'");
        var uidValidity = Math.Max(clock.GetUtcNow().ToUnixTimeSeconds(), (last is null ? 0 : long.Parse(last, System.Globalization.CultureInfo.InvariantCulture)) + 1);
        w.Execute("INSERT INTO settings(name, value) VALUES ('last_uidvalidity', @value) ON CONFLICT(name) DO UPDATE SET value = excluded.value", new { value = uidValidity.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return uidValidity;
    }
}
