using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;

namespace Interchange.Storage.Sqlite;

/// <summary>The durable queue on the embedded store; every method is one transaction through the group-commit writer.</summary>
public sealed class SqliteQueueStore(SqliteDatabase database, TimeProvider? clock = null, Mail.MailboxEvents? events = null) : IQueueStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public Task<long> EnqueueAsync(BlobRef blob, Envelope envelope, DateTimeOffset receivedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Recipients.Count == 0)
        {
            throw new ArgumentException("a message needs at least one recipient", nameof(envelope));
        }

        return database.WriteAsync(w =>
        {
            var id = w.ExecuteScalar<long>("""
                INSERT INTO queue_messages(blob, size, mail_from, received_at, envelope_id, ret, body_type, smtputf8, client, auth_user)
                VALUES (@blob, @size, @from, @at, @envid, @ret, @body, @utf8, @client, @auth) RETURNING id
                """, new
            {
                blob = blob.Id.Hex,
                size = blob.Length,
                from = envelope.MailFrom,
                at = receivedAt.ToUnixTimeMilliseconds(),
                envid = envelope.EnvelopeId,
                ret = envelope.Return,
                body = envelope.BodyType,
                utf8 = envelope.SmtpUtf8 ? 1 : 0,
                client = envelope.Client,
                auth = envelope.AuthenticatedUser,
            });
            for (var i = 0; i < envelope.Recipients.Count; i++)
            {
                var r = envelope.Recipients[i];
                w.Execute("INSERT INTO queue_recipients(message_id, position, address, notify, orcpt) VALUES (@id, @i, @address, @notify, @orcpt)", new { id, i, address = r.Address, notify = r.Notify, orcpt = r.OriginalRecipient });
            }

            return id;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<QueuedMessage>> FindNewAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default)
    {
        var now = Now();
        return await database.ReadAsync(c =>
        {
            var rows = c.Query<MessageRow>("""
                SELECT * FROM queue_messages
                WHERE state = 'new' AND next_attempt <= @now AND (owner IS NULL OR lease_until < @now) AND id % @partitions = @partition
                ORDER BY id LIMIT @max
                """, new { now, partitions, partition, max }).ToList();
            return rows.Select(row => new QueuedMessage(row.id, row.fence, row.Blob(), DateTimeOffset.FromUnixTimeMilliseconds(row.received_at), row.Envelope(Recipients(c, row.id)), (int)row.attempts)).ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<int> RouteAsync(IReadOnlyList<(QueuedMessage Message, IReadOnlyList<Route> Routes)> routed, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
        {
            var now = Now();
            var taken = 0;
            foreach (var (message, routes) in routed)
            {
                if (w.Execute("UPDATE queue_messages SET state = 'routed', owner = NULL, lease_until = NULL WHERE id = @id AND state = 'new' AND (owner IS NULL OR lease_until < @now)", new { id = message.Id, now }) == 0)
                {
                    continue;
                }

                InsertRoutes(w, message.Id, routes);
                taken++;
            }

            return taken;
        }, cancellationToken);

    public Task DeferNewAsync(long messageId, DateTimeOffset retryAt, CancellationToken cancellationToken = default) =>
        database.Writer.WriteAsync(w =>
            w.Execute("UPDATE queue_messages SET next_attempt = @at, attempts = attempts + 1 WHERE id = @id AND state = 'new' AND (owner IS NULL OR lease_until < @now)", new { id = messageId, at = retryAt.ToUnixTimeMilliseconds(), now = Now() }),
            cancellationToken);

    public async Task<IReadOnlyList<DeliveryItem>> FindPendingLocalAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default)
    {
        var now = Now();
        return await database.ReadAsync(c => c.Query<(long Id, long MessageId, long Fence, string Recipient, string Original, long Attempts, string Blob, long Size, string MailFrom, long ReceivedAt)>("""
                SELECT d.id, d.message_id, d.fence, d.recipient, d.original, d.attempts, m.blob, m.size, m.mail_from, m.received_at
                FROM deliveries d JOIN queue_messages m ON m.id = d.message_id
                WHERE d.kind = 'local' AND d.state = 'pending' AND d.next_attempt <= @now AND (d.owner IS NULL OR d.lease_until < @now) AND d.id % @partitions = @partition
                ORDER BY d.id LIMIT @max
                """, new { now, partitions, partition, max })
            .Select(r => new DeliveryItem(r.Id, r.MessageId, r.Fence, r.Recipient, r.Original, true, (int)r.Attempts + 1, new BlobRef(ParseBlob(r.Blob), r.Size), r.MailFrom, DateTimeOffset.FromUnixTimeMilliseconds(r.ReceivedAt)))
            .ToList(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<long>> DeliverPendingLocallyAsync(IReadOnlyList<(DeliveryItem Item, byte[] TracePrefix)> items, CancellationToken cancellationToken = default)
    {
        var delivered = await DeliverPendingLocallyCoreAsync(items, cancellationToken).ConfigureAwait(false);
        foreach (var recipient in items.Where(i => delivered.Contains(i.Item.Id)).Select(i => i.Item.Recipient).Distinct())
        {
            events?.Notify(recipient); // IDLE sessions hear of new mail
        }

        return delivered;
    }

    private Task<IReadOnlyList<long>> DeliverPendingLocallyCoreAsync(IReadOnlyList<(DeliveryItem Item, byte[] TracePrefix)> items, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<long>>(w =>
        {
            var now = Now();
            var delivered = new List<long>(items.Count);
            foreach (var (item, prefix) in items)
            {
                // Taking the item and finishing it are one change: no other worker can be between.
                if (w.Execute("UPDATE deliveries SET state = 'delivered', owner = NULL, lease_until = NULL, last_error = NULL, attempts = attempts + 1 WHERE id = @id AND state = 'pending' AND (owner IS NULL OR lease_until < @now)", new { id = item.Id, now }) == 0)
                {
                    continue;
                }

                SqliteMailboxes.Append(w, item.Recipient, "INBOX", item.Blob, prefix, item.ReceivedAt, [], $"{item.MessageId}:{item.Recipient}", _clock);
                RemoveIfFinished(w, item.MessageId);
                delivered.Add(item.Id);
            }

            return delivered;
        }, cancellationToken);

    public Task SetPendingOutcomeAsync(IReadOnlyList<long> deliveryIds, DateTimeOffset retryAt, string error, bool fail, CancellationToken cancellationToken = default) =>
        database.Writer.WriteAsync(w =>
        {
            var now = Now();
            foreach (var id in deliveryIds)
            {
                w.Execute(
                    "UPDATE deliveries SET state = @state, next_attempt = @at, last_error = @error, attempts = attempts + 1 WHERE id = @id AND state = 'pending' AND (owner IS NULL OR lease_until < @now)",
                    new { id, state = fail ? "failed" : "pending", at = retryAt.ToUnixTimeMilliseconds(), error, now });
            }
        }, cancellationToken);

    public Task<IReadOnlyList<DeliveryItem>> ClaimDeliveriesAsync(string owner, bool local, int max, TimeSpan lease, CancellationToken cancellationToken = default) =>
        database.WriteAsync<IReadOnlyList<DeliveryItem>>(w =>
        {
            var now = Now();
            var claimed = w.Query<(long Id, long MessageId, long Fence, string Recipient, string Original, long Attempts)>("""
                UPDATE deliveries SET owner = @owner, lease_until = @until, fence = fence + 1, attempts = attempts + 1
                WHERE id IN (SELECT id FROM deliveries
                             WHERE kind = @kind AND state = 'pending' AND next_attempt <= @now AND (owner IS NULL OR lease_until < @now)
                             ORDER BY id LIMIT @max)
                RETURNING id, message_id, fence, recipient, original, attempts
                """, new { owner, until = now + (long)lease.TotalMilliseconds, now, max, kind = local ? "local" : "remote" }).ToList();
            var items = new List<DeliveryItem>(claimed.Count);
            foreach (var c in claimed.OrderBy(c => c.Id))
            {
                var row = w.QuerySingleOrDefault<MessageRow>("SELECT * FROM queue_messages WHERE id = @id", new { id = c.MessageId })!;
                items.Add(new DeliveryItem(c.Id, c.MessageId, c.Fence, c.Recipient, c.Original, local, (int)c.Attempts, row.Blob(), row.mail_from, DateTimeOffset.FromUnixTimeMilliseconds(row.received_at)));
            }

            return items;
        }, cancellationToken);

    public Task<DeliveryOutcome> DeliverLocallyAsync(DeliveryItem item, string owner, byte[] tracePrefix, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
        {
            if (!OwnsDelivery(w, item, owner))
            {
                return DeliveryOutcome.ClaimLost;
            }

            SqliteMailboxes.Append(w, item.Recipient, "INBOX", item.Blob, tracePrefix, item.ReceivedAt, [], $"{item.MessageId}:{item.Recipient}", _clock);
            w.Execute("UPDATE deliveries SET state = 'delivered', owner = NULL, lease_until = NULL, last_error = NULL WHERE id = @id", new { id = item.Id });

            RemoveIfFinished(w, item.MessageId);
            return DeliveryOutcome.Delivered;
        }, cancellationToken);

    public async Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c =>
        {
            var messages = c.Query<(string State, long Count)>("SELECT state, COUNT(*) FROM queue_messages GROUP BY state").ToDictionary(r => r.State, r => (int)r.Count);
            var deliveries = c.Query<(string Kind, string State, long Count)>("SELECT kind, state, COUNT(*) FROM deliveries GROUP BY kind, state").ToList();
            int Count(string kind, string state) => (int)deliveries.Where(d => (kind == "*" || d.Kind == kind) && d.State == state).Sum(d => d.Count);
            return new QueueStatistics(messages.GetValueOrDefault("new"), messages.GetValueOrDefault("routed"), Count("local", "pending"), Count("remote", "pending"), Count("*", "failed"));
        }, cancellationToken).ConfigureAwait(false);

    public Task<int> ReleaseClaimsAsync(string ownerPrefix, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
            w.Execute("UPDATE queue_messages SET owner = NULL, lease_until = NULL WHERE substr(owner, 1, length(@ownerPrefix)) = @ownerPrefix", new { ownerPrefix })
            + w.Execute("UPDATE deliveries SET owner = NULL, lease_until = NULL WHERE substr(owner, 1, length(@ownerPrefix)) = @ownerPrefix", new { ownerPrefix }),
            cancellationToken);

    private static void InsertRoutes(SqliteWriteContext w, long messageId, IReadOnlyList<Route> routes)
    {
        foreach (var route in routes)
        {
            w.Execute("""
                INSERT OR IGNORE INTO deliveries(message_id, recipient, original, kind, state, last_error)
                VALUES (@id, @recipient, @original, @kind, @state, @error)
                """, new
            {
                id = messageId,
                recipient = route.Recipient,
                original = route.Original,
                kind = route.IsLocal ? "local" : "remote",
                state = route.Error is null ? "pending" : "failed",
                error = route.Error,
            });
        }
    }

    /// <summary>The last delivery done: the queue entry has served its purpose (the blob stays, the mailbox refers to it).</summary>
    private static void RemoveIfFinished(SqliteWriteContext w, long messageId) =>
        w.Execute("""
            DELETE FROM queue_messages WHERE id = @id AND state = 'routed'
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = @id AND d.state <> 'delivered')
            """, new { id = messageId });

    private static List<QueuedRecipient> Recipients(Microsoft.Data.Sqlite.SqliteConnection c, long id, Microsoft.Data.Sqlite.SqliteTransaction? transaction = null) =>
        c.Query<(string Address, string? Notify, string? Orcpt)>(
                "SELECT address, notify, orcpt FROM queue_recipients WHERE message_id = @id ORDER BY position", new { id }, transaction)
            .Select(r => new QueuedRecipient(r.Address, r.Notify, r.Orcpt))
            .ToList();

    private static BlobId ParseBlob(string hex) =>
        BlobId.TryParse(hex, out var id) ? id : throw new InvalidDataException($"the queue names a malformed blob '{hex}'");

    private static bool OwnsDelivery(SqliteWriteContext w, DeliveryItem item, string owner) =>
        w.ExecuteScalar<long>("SELECT COUNT(*) FROM deliveries WHERE id = @id AND owner = @owner AND fence = @fence AND state = 'pending'", new { id = item.Id, owner, fence = item.Fence }) == 1;

    private long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

#pragma warning disable IDE1006, SA1300 // Dapper maps columns by name.
    private sealed class MessageRow
    {
        public long id { get; set; }

        public string blob { get; set; } = "";

        public long size { get; set; }

        public string mail_from { get; set; } = "";

        public long received_at { get; set; }

        public string? envelope_id { get; set; }

        public string? ret { get; set; }

        public string? body_type { get; set; }

        public long smtputf8 { get; set; }

        public string client { get; set; } = "";

        public string? auth_user { get; set; }

        public long attempts { get; set; }

        public long fence { get; set; }

        public BlobRef Blob() => new(BlobId.TryParse(blob, out var parsed) ? parsed : throw new InvalidDataException($"queue message {id} names a malformed blob '{blob}'"), size);

        public Envelope Envelope(IReadOnlyList<QueuedRecipient> recipients) =>
            new(mail_from, recipients, client, auth_user, envelope_id, ret, body_type, smtputf8 != 0);
    }
#pragma warning restore IDE1006, SA1300
}
