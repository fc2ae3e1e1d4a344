using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;

namespace Interchange.Storage.Sqlite;

/// <summary>The durable queue on the embedded store; every method is one transaction through the group-commit writer.</summary>
public sealed class SqliteQueueStore(SqliteDatabase database, TimeProvider? clock = null) : IQueueStore
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

    public Task<IReadOnlyList<QueuedMessage>> ClaimNewAsync(string owner, int max, TimeSpan lease, CancellationToken cancellationToken = default) =>
        database.WriteAsync<IReadOnlyList<QueuedMessage>>(w =>
        {
            var now = Now();
            var claimed = w.Query<(long Id, long Fence)>("""
                UPDATE queue_messages SET owner = @owner, lease_until = @until, fence = fence + 1, attempts = attempts + 1
                WHERE id IN (SELECT id FROM queue_messages
                             WHERE state = 'new' AND next_attempt <= @now AND (owner IS NULL OR lease_until < @now)
                             ORDER BY id LIMIT @max)
                RETURNING id, fence
                """, new { owner, until = now + (long)lease.TotalMilliseconds, now, max }).ToList();
            var messages = new List<QueuedMessage>(claimed.Count);
            foreach (var (id, fence) in claimed.OrderBy(c => c.Id))
            {
                var row = w.QuerySingleOrDefault<MessageRow>("SELECT * FROM queue_messages WHERE id = @id", new { id })!;
                var recipients = w.Query<(string Address, string? Notify, string? Orcpt)>(
                        "SELECT address, notify, orcpt FROM queue_recipients WHERE message_id = @id ORDER BY position", new { id })
                    .Select(r => new QueuedRecipient(r.Address, r.Notify, r.Orcpt))
                    .ToList();
                messages.Add(new QueuedMessage(id, fence, row.Blob(), DateTimeOffset.FromUnixTimeMilliseconds(row.received_at), row.Envelope(recipients), (int)row.attempts));
            }

            return messages;
        }, cancellationToken);

    public Task<bool> CompleteRoutingAsync(QueuedMessage message, string owner, IReadOnlyList<Route> routes, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
        {
            if (!OwnsMessage(w, message, owner))
            {
                return false;
            }

            foreach (var route in routes)
            {
                w.Execute("""
                    INSERT OR IGNORE INTO deliveries(message_id, recipient, original, kind, state, last_error)
                    VALUES (@id, @recipient, @original, @kind, @state, @error)
                    """, new
                {
                    id = message.Id,
                    recipient = route.Recipient,
                    original = route.Original,
                    kind = route.IsLocal ? "local" : "remote",
                    state = route.Error is null ? "pending" : "failed",
                    error = route.Error,
                });
            }

            w.Execute("UPDATE queue_messages SET state = 'routed', owner = NULL, lease_until = NULL WHERE id = @id", new { id = message.Id });
            return true;
        }, cancellationToken);

    public Task<bool> RetryRoutingAsync(QueuedMessage message, string owner, DateTimeOffset retryAt, string error, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
        {
            if (!OwnsMessage(w, message, owner))
            {
                return false;
            }

            w.Execute("UPDATE queue_messages SET owner = NULL, lease_until = NULL, next_attempt = @at WHERE id = @id", new { id = message.Id, at = retryAt.ToUnixTimeMilliseconds() });
            return true;
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

            // The last delivery done: the queue entry has served its purpose (the blob stays, the mailbox refers to it).
            w.Execute("""
                DELETE FROM queue_messages WHERE id = @id AND state = 'routed'
                AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = @id AND d.state <> 'delivered')
                """, new { id = item.MessageId });
            return DeliveryOutcome.Delivered;
        }, cancellationToken);

    public Task<bool> DeferDeliveryAsync(DeliveryItem item, string owner, DateTimeOffset retryAt, string error, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
        {
            if (!OwnsDelivery(w, item, owner))
            {
                return false;
            }

            w.Execute("UPDATE deliveries SET owner = NULL, lease_until = NULL, next_attempt = @at, last_error = @error WHERE id = @id", new { id = item.Id, at = retryAt.ToUnixTimeMilliseconds(), error });
            return true;
        }, cancellationToken);

    public Task<bool> FailDeliveryAsync(DeliveryItem item, string owner, string error, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
        {
            if (!OwnsDelivery(w, item, owner))
            {
                return false;
            }

            w.Execute("UPDATE deliveries SET state = 'failed', owner = NULL, lease_until = NULL, last_error = @error WHERE id = @id", new { id = item.Id, error });
            return true;
        }, cancellationToken);

    public async Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c =>
        {
            var messages = c.Query<(string State, long Count)>("SELECT state, COUNT(*) FROM queue_messages GROUP BY state").ToDictionary(r => r.State, r => (int)r.Count);
            var deliveries = c.Query<(string State, long Count)>("SELECT state, COUNT(*) FROM deliveries GROUP BY state").ToDictionary(r => r.State, r => (int)r.Count);
            return new QueueStatistics(messages.GetValueOrDefault("new"), messages.GetValueOrDefault("routed"), deliveries.GetValueOrDefault("pending"), deliveries.GetValueOrDefault("failed"));
        }, cancellationToken).ConfigureAwait(false);

    public Task<int> ReleaseClaimsAsync(string ownerPrefix, CancellationToken cancellationToken = default) =>
        database.WriteAsync(w =>
            w.Execute("UPDATE queue_messages SET owner = NULL, lease_until = NULL WHERE substr(owner, 1, length(@ownerPrefix)) = @ownerPrefix", new { ownerPrefix })
            + w.Execute("UPDATE deliveries SET owner = NULL, lease_until = NULL WHERE substr(owner, 1, length(@ownerPrefix)) = @ownerPrefix", new { ownerPrefix }),
            cancellationToken);

    private static bool OwnsMessage(SqliteWriteContext w, QueuedMessage message, string owner) =>
        w.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_messages WHERE id = @id AND owner = @owner AND fence = @fence AND state = 'new'", new { id = message.Id, owner, fence = message.Fence }) == 1;

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

        public BlobRef Blob() => new(BlobId.TryParse(blob, out var parsed) ? parsed : throw new InvalidDataException($"queue message {id} names a malformed blob '{blob}'"), size);

        public Envelope Envelope(IReadOnlyList<QueuedRecipient> recipients) =>
            new(mail_from, recipients, client, auth_user, envelope_id, ret, body_type, smtputf8 != 0);
    }
#pragma warning restore IDE1006, SA1300
}
