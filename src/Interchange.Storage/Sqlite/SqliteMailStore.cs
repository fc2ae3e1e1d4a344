using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>Reads of mailboxes and messages on the embedded store.</summary>
public sealed class SqliteMailStore(SqliteDatabase database) : IMailStore
{
    public async Task<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(string userKey, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => c.Query<(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, long Count, string? SpecialUse, long Subscribed)>("""
            SELECT m.id, m.name, m.uidvalidity, m.uidnext, m.highest_modseq,
                   (SELECT COUNT(*) FROM messages x WHERE x.mailbox_id = m.id), m.special_use, m.subscribed
            FROM mailboxes m WHERE m.user_key = @userKey ORDER BY m.name = 'INBOX' DESC, m.name
            """, new { userKey })
            .Select(r => new MailboxInfo(r.Id, r.Name, r.UidValidity, r.UidNext, r.HighestModSeq, (int)r.Count, r.SpecialUse, r.Subscribed != 0))
            .ToList(), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => Query(c, "ORDER BY x.uid", new { userKey, mailbox }).ToList(), cancellationToken).ConfigureAwait(false);

    public async Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => Query(c, "AND x.uid = @uid", new { userKey, mailbox, uid }).SingleOrDefault(), cancellationToken).ConfigureAwait(false);

    private static IEnumerable<StoredMessage> Query(SqliteConnection c, string tail, object parameters) =>
        c.Query<(long Uid, string Blob, byte[] Prefix, long Size, long InternalDate, string Flags, long ModSeq)>(
                "SELECT x.uid, x.blob, x.prefix, x.size, x.internal_date, x.flags, x.modseq FROM messages x JOIN mailboxes m ON m.id = x.mailbox_id " +
                "WHERE m.user_key = @userKey AND m.name = @mailbox " + tail, parameters)
            .Select(r => new StoredMessage(
                r.Uid,
                BlobId.TryParse(r.Blob, out var id) ? id : throw new InvalidDataException($"message {r.Uid} names a malformed blob"),
                r.Prefix,
                r.Size,
                DateTimeOffset.FromUnixTimeMilliseconds(r.InternalDate),
                r.Flags.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                r.ModSeq));
}
