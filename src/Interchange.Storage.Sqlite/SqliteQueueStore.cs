using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;

namespace Interchange.Storage.Sqlite;

/// <summary>The durable queue on the embedded store; every method is one transaction through the group-commit writer.</summary>
/// <remarks>
/// A local delivery's completion is committed by <see cref="SqliteMailStore.DeliverAsync"/> through
/// <see cref="TryComplete"/>, in the transaction that writes the mailbox.
/// </remarks>
/// <param name="contents">
/// Checks that file content a new entry names is there (the collector may have taken it); the
/// backend always passes it, tests of the queue alone may not.
/// </param>
public sealed partial class SqliteQueueStore(SqliteDatabase database, TimeProvider? clock = null, SqliteContentStore? contents = null) : IQueueStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly SqliteDatabase _database = database;

    public Task<long> EnqueueAsync(BlobRef blob, Envelope envelope, DateTimeOffset receivedAt, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new StagedContent(blob, null), envelope, receivedAt, null, cancellationToken);

    /// <summary>What parsing learnt at accept, kept with the content (<see cref="SqliteStructures"/>).</summary>
    public Task<Mail.StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) =>
        _database.ReadAsync(c => SqliteStructures.Find(c, blob), cancellationToken).AsTask();

    public Task<long> EnqueueAsync(StagedContent content, Envelope envelope, DateTimeOffset receivedAt, Mail.StoredStructure? structure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Recipients.Count == 0)
        {
            throw new ArgumentException("a message needs at least one recipient", nameof(envelope));
        }

        return _database.WriteAsync(w => Insert(w, content, envelope, receivedAt, structure, contents), cancellationToken);
    }

    /// <summary>Queues a message in the caller's transaction (an accept, or a DSN in the transaction that reports its failures).</summary>
    private static long Insert(SqliteWriteContext w, StagedContent content, Envelope envelope, DateTimeOffset receivedAt, Mail.StoredStructure? structure, SqliteContentStore? contents)
    {
        var blob = content.Ref;
        if (envelope.SourceKey is { } source
            && w.QuerySingleOrDefault<long?>("SELECT message_id FROM queue_sources WHERE key = @source", new { source }) is { } queued)
        {
            return queued; // offered again (a pickup re-read after a crash): already queued
        }

        if (content.Inline is { } bytes)
        {
            SqliteContentStore.Insert(w, blob.Id, bytes);
        }
        else
        {
            contents?.RequirePresent(w, blob);
        }

        var id = w.ExecuteScalar<long>("""
            INSERT INTO queue_messages(blob, size, mail_from, received_at, envelope_id, ret, body_type, smtputf8, client, auth_user, folder, hold_reason)
            VALUES (@blob, @size, @from, @at, @envid, @ret, @body, @utf8, @client, @auth, @folder, @hold) RETURNING id
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
            folder = envelope.Folder,
            hold = envelope.HoldReason,
        });
        for (var i = 0; i < envelope.Recipients.Count; i++)
        {
            var r = envelope.Recipients[i];
            w.Execute("INSERT INTO queue_recipients(message_id, position, address, notify, orcpt) VALUES (@id, @i, @address, @notify, @orcpt)", new { id, i, address = r.Address, notify = r.Notify, orcpt = r.OriginalRecipient });
        }

        if (structure is not null)
        {
            SqliteStructures.Save(w, structure);
        }

        if (envelope.SourceKey is { } key)
        {
            w.Execute("INSERT INTO queue_sources(key, message_id, queued_at) VALUES (@key, @id, @at)", new { key, id, at = receivedAt.ToUnixTimeMilliseconds() });
        }

        return id;
    }

    public async Task<IReadOnlyList<QueuedMessage>> FindNewAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default)
    {
        var now = Now();
        return await _database.ReadAsync(c =>
        {
            var rows = c.Query<MessageRow>("""
                SELECT * FROM queue_messages
                WHERE state = 'new' AND next_attempt <= @now AND id % @partitions = @partition
                ORDER BY id LIMIT @max
                """, new { now, partitions, partition, max }).ToList();
            return rows.Select(row => new QueuedMessage(row.id, row.Blob(), DateTimeOffset.FromUnixTimeMilliseconds(row.received_at), row.Envelope(Recipients(c, row.id)), (int)row.attempts)).ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// Committed without fsync (<see cref="SqliteWriter.WriteRedoableAsync{T}"/>): a route lost in a
    /// power cut is redone, because the message it took is still 'new' in the durable enqueue and
    /// the categorizer routes it again (routes are inserted idempotently); and it cannot be lost
    /// while anything built on it survives, because every delivery commit is durable and comes
    /// later in the same write-ahead log. No client is told anything on the strength of a route.
    /// </remarks>
    public Task<int> RouteAsync(IReadOnlyList<(QueuedMessage Message, IReadOnlyList<Route> Routes)> routed, CancellationToken cancellationToken = default) =>
        _database.Writer.WriteRedoableAsync(w =>
        {
            var taken = 0;
            foreach (var (message, routes) in routed)
            {
                if (w.Execute("UPDATE queue_messages SET state = 'routed' WHERE id = @id AND state = 'new'", new { id = message.Id }) == 0)
                {
                    continue;
                }

                InsertRoutes(w, message.Id, routes);
                taken++;
            }

            return taken;
        }, cancellationToken);

    public Task DeferNewAsync(long messageId, DateTimeOffset retryAt, CancellationToken cancellationToken = default) =>
        _database.Writer.WriteAsync(w =>
            w.Execute("UPDATE queue_messages SET next_attempt = @at, attempts = attempts + 1 WHERE id = @id AND state = 'new'", new { id = messageId, at = retryAt.ToUnixTimeMilliseconds() }),
            cancellationToken);

    /// <summary>
    /// How long an unrouted message may hold back later deliveries (the order rule). Routing takes
    /// milliseconds; one that has not finished by then is stuck (a resolver that hangs, a row it
    /// cannot read), and mail for every other mailbox must not wait on it.
    /// </summary>
    internal static readonly TimeSpan OrderHold = TimeSpan.FromMinutes(2);

    public async Task<IReadOnlyList<DeliveryItem>> FindPendingAsync(string connector, int partition, int partitions, int max, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connector);
        var now = Now();

        // Ordered by message, so a batch cut by the limit never holds a later message for a
        // destination without the earlier ones of its partition. The barrier: nothing goes ahead
        // of an earlier message still unrouted (it may be for the same mailbox) unless its routing
        // failed and was put off; nor of an earlier due item for the same recipient in another
        // partition (rows queued before destination_hash existed).
        return await _database.ReadAsync(c => c.Query<(long Id, long MessageId, long Fence, string Recipient, string Original, long Attempts, string Blob, long Size, string MailFrom, long ReceivedAt, string? Folder)>("""
                SELECT d.id, d.message_id, d.fence, d.recipient, d.original, d.attempts, m.blob, m.size, m.mail_from, m.received_at, m.folder
                FROM deliveries d JOIN queue_messages m ON m.id = d.message_id
                WHERE d.connector = @connector AND d.state = 'pending' AND d.next_attempt <= @now AND d.destination_hash % @partitions = @partition
                  AND d.message_id < COALESCE((SELECT MIN(id) FROM queue_messages WHERE state = 'new' AND attempts = 0 AND received_at > @holdFrom), 9223372036854775807)
                  AND NOT EXISTS (SELECT 1 FROM deliveries e
                                  WHERE e.recipient = d.recipient AND e.state = 'pending' AND e.message_id < d.message_id
                                    AND e.connector = d.connector AND e.destination_hash <> d.destination_hash AND e.next_attempt <= @now)
                ORDER BY d.message_id, d.id LIMIT @max
                """, new { connector, now, partitions, partition, max, holdFrom = now - (long)OrderHold.TotalMilliseconds })
            .Select(r => new DeliveryItem(r.Id, r.MessageId, r.Fence, r.Recipient, r.Original, connector, (int)r.Attempts + 1, new BlobRef(ParseBlob(r.Blob), r.Size), r.MailFrom, DateTimeOffset.FromUnixTimeMilliseconds(r.ReceivedAt)) { Folder = r.Folder })
            .ToList(), cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<long>> SetPendingOutcomeAsync(IReadOnlyList<DeliveryItem> items, DateTimeOffset retryAt, string error, bool fail, CancellationToken cancellationToken = default) =>
        _database.WriteAsync<IReadOnlyList<long>>(w =>
        {
            var changed = new List<long>(items.Count);
            foreach (var item in items)
            {
                if (TrySetOutcome(w, item, retryAt, error, fail))
                {
                    changed.Add(item.Id);
                }
            }

            return changed;
        }, cancellationToken);

    public async Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default) =>
        await _database.ReadAsync(c =>
        {
            using var snapshot = c.BeginTransaction(deferred: true);
            var messages = c.Query<(string State, long Count)>("SELECT state, COUNT(*) FROM queue_messages GROUP BY state", transaction: snapshot).ToDictionary(r => r.State, r => (int)r.Count);
            var pending = c.Query<(string Connector, long Count)>("SELECT connector, COUNT(*) FROM deliveries WHERE state = 'pending' GROUP BY connector", transaction: snapshot).ToDictionary(r => r.Connector, r => (int)r.Count, StringComparer.Ordinal);
            var failed = c.ExecuteScalar<long>("SELECT COUNT(*) FROM deliveries WHERE state = 'failed'", transaction: snapshot);
            var oldest = c.ExecuteScalar<long?>("SELECT MIN(received_at) FROM queue_messages", transaction: snapshot);
            return new QueueStatistics(messages.GetValueOrDefault("new"), messages.GetValueOrDefault("routed"), (int)failed, pending, oldest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The queue's half of a completion, for the mail store's delivery in the same transaction:
    /// marks the item delivered if it is still pending with the fence it was found with.
    /// </summary>
    internal static bool TryComplete(SqliteWriteContext w, DeliveryItem item) =>
        w.Execute(
            "UPDATE deliveries SET state = 'delivered', last_error = NULL, attempts = attempts + 1, fence = fence + 1 WHERE id = @id AND state = 'pending' AND fence = @fence",
            new { id = item.Id, fence = item.Fence }) == 1;

    /// <summary>
    /// An attempt's outcome short of delivery, in the caller's transaction: the item is put off to
    /// <paramref name="retryAt"/> (or failed) if it is still pending with the fence it was found with.
    /// </summary>
    /// A held item put off stays held (an administrator's hold outlasts the attempt under way).
    internal static bool TrySetOutcome(SqliteWriteContext w, DeliveryItem item, DateTimeOffset retryAt, string error, bool fail) =>
        w.Execute(
            "UPDATE deliveries SET state = @state, next_attempt = CASE held WHEN 0 THEN @at ELSE @heldUntil END, last_error = @error, attempts = attempts + 1, fence = fence + 1 WHERE id = @id AND state = 'pending' AND fence = @fence",
            new { id = item.Id, fence = item.Fence, state = fail ? "failed" : "pending", at = retryAt.ToUnixTimeMilliseconds(), error, heldUntil = HeldUntil }) == 1;

    public Task<int> ForgetSourcesAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        _database.Writer.WriteRedoableAsync(w => w.Execute("DELETE FROM queue_sources WHERE queued_at < @before", new { before = before.ToUnixTimeMilliseconds() }), cancellationToken);

    /// <summary>
    /// The last delivery done: the queue entry has served its purpose (the blob stays, the mailbox
    /// refers to it). Done is delivered, or failed and reported to the sender (a failure not yet
    /// reported keeps the message for the bounce step, which needs its envelope and content).
    /// Returns whether it was removed.
    /// </summary>
    internal static bool RemoveIfFinished(SqliteWriteContext w, long messageId)
    {
        // The message row first: two workers completing its last two items at once (different
        // mailboxes, different partitions) then check one after the other, so under READ
        // COMMITTED the second sees the first's completion and removes the entry; checked side
        // by side, each would see the other's item pending and the entry would stay for ever.
        w.Execute("UPDATE queue_messages SET state = state WHERE id = @id", new { id = messageId });
        // Its content is released by the table's trigger, for the collector (migration 10).
        return w.Execute("""
            DELETE FROM queue_messages WHERE id = @id AND state = 'routed'
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = @id AND (d.state = 'pending' OR (d.state = 'failed' AND d.reported = 0)))
            """, new { id = messageId }) == 1;
    }

    /// <summary>
    /// A stable hash of the destination (FNV-1a over its UTF-8), so every item for one recipient
    /// falls in the same partition whatever the number of workers, across restarts.
    /// </summary>
    internal static long DestinationHash(string recipient)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(recipient))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private static void InsertRoutes(SqliteWriteContext w, long messageId, IReadOnlyList<Route> routes)
    {
        foreach (var route in routes)
        {
            w.Execute("""
                INSERT INTO deliveries(message_id, recipient, original, connector, destination_hash, domain, state, last_error, held, next_attempt)
                SELECT @id, @recipient, @original, @connector, @hash, @domain, @state, @error,
                       hold_reason IS NOT NULL, CASE WHEN hold_reason IS NOT NULL THEN @heldUntil ELSE 0 END
                FROM queue_messages WHERE id = @id
                ON CONFLICT (message_id, recipient) DO NOTHING
                """, new
            {
                id = messageId,
                recipient = route.Recipient,
                original = route.Original,
                connector = route.Connector,
                hash = DestinationHash(route.Recipient),
                domain = DomainOf(route.Recipient),
                state = route.Error is null ? "pending" : "failed",
                error = route.Error,
                heldUntil = HeldUntil,
            });
        }
    }

    /// <summary>The domain of an address, lower case: after its last '@' (a quoted local part may hold one); '' without one.</summary>
    internal static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? string.Empty : address[(at + 1)..].ToLowerInvariant();
    }

    private static List<QueuedRecipient> Recipients(Microsoft.Data.Sqlite.SqliteConnection c, long id, Microsoft.Data.Sqlite.SqliteTransaction? transaction = null) =>
        c.Query<(string Address, string? Notify, string? Orcpt)>(
                "SELECT address, notify, orcpt FROM queue_recipients WHERE message_id = @id ORDER BY position", new { id }, transaction)
            .Select(r => new QueuedRecipient(r.Address, r.Notify, r.Orcpt))
            .ToList();

    private static BlobId ParseBlob(string hex) =>
        BlobId.TryParse(hex, out var id) ? id : throw new InvalidDataException($"the queue names a malformed blob '{hex}'");

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

        public string? folder { get; set; }

        public string? hold_reason { get; set; }

        public long attempts { get; set; }

        public string state { get; set; } = "";

        public long next_attempt { get; set; }

        public BlobRef Blob() => new(BlobId.TryParse(blob, out var parsed) ? parsed : throw new InvalidDataException($"queue message {id} names a malformed blob '{blob}'"), size);

        public Envelope Envelope(IReadOnlyList<QueuedRecipient> recipients) =>
            new(mail_from, recipients, client, auth_user, envelope_id, ret, body_type, smtputf8 != 0, Folder: folder, HoldReason: hold_reason);
    }
#pragma warning restore IDE1006, SA1300
}
