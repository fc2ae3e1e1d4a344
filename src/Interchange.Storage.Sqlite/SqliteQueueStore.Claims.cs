using Dapper;
using Interchange.Storage.Queue;

namespace Interchange.Storage.Sqlite;

/// <summary>Claims for remote connectors: ownership by one atomic statement, with a lease and a fencing token (rule 2).</summary>
public sealed partial class SqliteQueueStore
{
    /// <summary>The next attempt of a held item: never (the latest time a <see cref="DateTimeOffset"/> holds, so it reads back).</summary>
    internal const long HeldUntil = 253_402_300_799_999;

    /// <remarks>
    /// Candidates are read, then each (message, domain) group is taken by an <c>UPDATE …
    /// RETURNING</c> whose WHERE repeats every condition (pending, not held, due): the rows it
    /// takes are re-checked as it changes them (under PostgreSQL READ COMMITTED a row another
    /// claim changed first is re-read and no longer due), so a read that went stale takes nothing
    /// and no two claims share an item. The
    /// lease's end becomes the item's next attempt: a lapsed lease is simply due again.
    /// Committed without fsync (<see cref="SqliteWriter.WriteRedoableAsync{T}"/>): a claim lost in
    /// a power cut leaves the item pending, as if never claimed, and every outcome recorded on its
    /// strength is a later durable commit in the same log, so it cannot survive without the claim.
    /// </remarks>
    public async Task<IReadOnlyList<DeliveryBatch>> ClaimAsync(string connector, string owner, int maxBatches, TimeSpan lease, string? domain = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connector);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);

        // Every worker woken by a pulse claims (Q184524: the pulse is only a hint), and most find
        // nothing: a look on a reader first keeps those empty claims off the one writer. A look
        // that goes stale costs nothing: the claim below decides.
        var now0 = Now();
        var due = await _database.ReadAsync(c => c.ExecuteScalar<long?>(
            "SELECT 1 FROM deliveries INDEXED BY deliveries_claim WHERE connector = @connector AND state = 'pending' AND next_attempt <= @now AND held = 0 LIMIT 1",
            new { connector, now = now0 }), cancellationToken).ConfigureAwait(false);
        if (due is null)
        {
            return [];
        }

        return await ClaimDueAsync(connector, owner, maxBatches, lease, domain, cancellationToken).ConfigureAwait(false);
    }

    private Task<IReadOnlyList<DeliveryBatch>> ClaimDueAsync(string connector, string owner, int maxBatches, TimeSpan lease, string? domain, CancellationToken cancellationToken)
    {
        var now = Now();
        var until = now + (long)lease.TotalMilliseconds;
        return _database.Writer.WriteRedoableAsync<IReadOnlyList<DeliveryBatch>>(w =>
        {
            // The due items in due order from the claim index (new items are all due at 0, so they
            // come in delivery order, which is message order), read only as far as needed: a claim
            // costs the same with ten or a hundred thousand items waiting (the earlier GROUP BY
            // over every due item sorted them all on each claim). Each group is then taken by an
            // UPDATE that re-checks every condition as it changes the rows, found by its message
            // (the unary + keeps SQLite from walking every due item of the connector instead).
            var candidates = w.Query<(long MessageId, string Domain)>("""
                SELECT message_id, domain FROM deliveries INDEXED BY deliveries_claim
                WHERE connector = @connector AND state = 'pending' AND next_attempt <= @now AND held = 0 AND (@domain IS NULL OR domain = @domain)
                ORDER BY next_attempt LIMIT @scan
                """, new { connector, now, domain = domain?.ToLowerInvariant(), scan = Math.Max(64, maxBatches * 16) })
                .Distinct()
                .Take(maxBatches)
                .ToList();
            var claimed = new List<(long Id, long MessageId, long Fence, string Recipient, string Original, string Domain, long Attempts)>();
            foreach (var (messageId, group) in candidates)
            {
                claimed.AddRange(w.Query<(long Id, long MessageId, long Fence, string Recipient, string Original, string Domain, long Attempts)>("""
                    UPDATE deliveries SET owner = @owner, lease_until = @until, next_attempt = @until, last_attempt = @now, fence = fence + 1, attempts = attempts + 1
                    WHERE message_id = @messageId AND domain = @group AND +connector = @connector AND +state = 'pending' AND held = 0 AND +next_attempt <= @now
                    RETURNING id, message_id, fence, recipient, original, domain, attempts
                    """, new { connector, owner, until, now, messageId, group }));
            }

            if (claimed.Count == 0)
            {
                return [];
            }

            var leaseUntil = DateTimeOffset.FromUnixTimeMilliseconds(until);
            var batches = new List<DeliveryBatch>();
            foreach (var message in claimed.GroupBy(c => c.MessageId).OrderBy(g => g.Key))
            {
                var row = w.QuerySingleOrDefault<MessageRow>("SELECT * FROM queue_messages WHERE id = @id", new { id = message.Key })
                    ?? throw new InvalidDataException($"delivery of queue message {message.Key} without its message");
                var envelope = row.Envelope(Recipients(w.Connection, row.id, w.Transaction));
                var receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.received_at);
                foreach (var group in message.GroupBy(c => c.Domain, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var items = group.OrderBy(c => c.Id).Select(c =>
                    {
                        var rcpt = envelope.Recipients.FirstOrDefault(r => string.Equals(r.Address, c.Original, StringComparison.OrdinalIgnoreCase));
                        return new DeliveryItem(c.Id, c.MessageId, c.Fence, c.Recipient, c.Original, connector, (int)c.Attempts, row.Blob(), row.mail_from, receivedAt)
                        {
                            Notify = rcpt?.Notify,
                            OriginalRecipient = rcpt?.OriginalRecipient,
                        };
                    }).ToList();
                    batches.Add(new DeliveryBatch(message.Key, group.Key, row.Blob(), receivedAt, envelope, items, leaseUntil));
                }
            }

            return batches;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<long>> RenewLeaseAsync(IReadOnlyList<DeliveryItem> items, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var now = Now();
        var until = now + (long)lease.TotalMilliseconds;

        // Redoable for the claim's reason: a renewal lost in a power cut ends a lease the restart
        // releases anyway (ReleaseClaimsAsync).
        return _database.Writer.WriteRedoableAsync<IReadOnlyList<long>>(w => items
            .Where(item => w.Execute(
                "UPDATE deliveries SET lease_until = @until, next_attempt = @until WHERE id = @id AND fence = @fence AND state = 'pending' AND owner IS NOT NULL AND lease_until > @now",
                new { id = item.Id, fence = item.Fence, until, now }) == 1)
            .Select(item => item.Id)
            .ToList(), cancellationToken);
    }

    /// <remarks>Durable, and deferrable: an outcome is background work nobody waits on with a connection open.</remarks>
    public Task<IReadOnlyList<long>> RecordOutcomeAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var now = Now();
        return _database.Writer.WriteDeferrableAsync<IReadOnlyList<long>>(w =>
        {
            var recorded = new List<long>(outcomes.Count);
            var messages = new HashSet<long>();
            foreach (var outcome in outcomes)
            {
                var (state, at) = outcome.Kind switch
                {
                    DeliveryOutcomeKind.Delivered => ("delivered", 0L),
                    DeliveryOutcomeKind.Failed => ("failed", 0L),
                    _ => ("pending", (outcome.RetryAt ?? throw new ArgumentException("a deferral needs its retry time", nameof(outcomes))).ToUnixTimeMilliseconds()),
                };

                // The fence names the claim; the lease must still run: once it lapsed, the item
                // was due again and may be another worker's attempt now.
                if (w.Execute("""
                    UPDATE deliveries SET state = @state, next_attempt = CASE WHEN held = 0 THEN @at ELSE @heldUntil END,
                        last_error = @reply, remote_mta = @mta, owner = NULL, lease_until = NULL, fence = fence + 1
                    WHERE id = @id AND fence = @fence AND state = 'pending' AND owner IS NOT NULL AND lease_until > @now
                    """, new { id = outcome.Item.Id, fence = outcome.Item.Fence, state, at, reply = outcome.Reply, mta = outcome.RemoteMta, now, heldUntil = HeldUntil }) == 1)
                {
                    recorded.Add(outcome.Item.Id);
                    if (outcome.Kind == DeliveryOutcomeKind.Delivered)
                    {
                        messages.Add(outcome.Item.MessageId);
                    }
                }
            }

            foreach (var message in messages)
            {
                RemoveIfFinished(w, message);
            }

            return recorded;
        }, cancellationToken);
    }

    public Task<int> ReleaseClaimsAsync(string node, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        var now = Now();
        return _database.WriteAsync(w => w.Execute("""
            UPDATE deliveries SET owner = NULL, lease_until = NULL, fence = fence + 1,
                next_attempt = CASE WHEN held = 0 THEN @now ELSE @heldUntil END
            WHERE state = 'pending' AND owner IS NOT NULL AND (owner = @node OR substr(owner, 1, length(@prefix)) = @prefix)
            """, new { node, prefix = node + "/", now, heldUntil = HeldUntil }), cancellationToken);
    }
}
