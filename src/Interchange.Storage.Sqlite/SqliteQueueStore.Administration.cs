using System.Text;
using Dapper;
using Interchange.Storage.Queue;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// Queue administration (postqueue/postsuper): a filter becomes one WHERE clause over deliveries
/// and their message, and every action is one statement guarded by the states it applies to, so
/// an action racing a worker changes only what is still as the action means it.
/// </summary>
public sealed partial class SqliteQueueStore
{
    // A recipient is in flight while its claim's lease runs; a lapsed one is due again.
    private const string InFlight = "(d.owner IS NOT NULL AND d.lease_until > @now)";
    private const string NotInFlight = "(d.owner IS NULL OR d.lease_until <= @now)";

    public async Task<IReadOnlyList<QueueEntry>> ListAsync(QueueFilter filter, int max = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var now = Now();
        var (deliveries, unrouted, parameters) = Filter(filter, now);
        parameters.Add("max", max);
        return await _database.ReadAsync<IReadOnlyList<QueueEntry>>(c =>
        {
            using var snapshot = c.BeginTransaction(deferred: true);
            var ids = c.Query<long>($"""
                SELECT d.message_id FROM deliveries d JOIN queue_messages m ON m.id = d.message_id WHERE {deliveries}
                UNION
                SELECT m.id FROM queue_messages m JOIN queue_recipients r ON r.message_id = m.id WHERE m.state = 'new' AND {unrouted}
                ORDER BY 1 LIMIT @max
                """, parameters, snapshot).ToList();
            var entries = new List<QueueEntry>(ids.Count);
            foreach (var id in ids)
            {
                if (Entry(c, snapshot, id, now, deliveries, unrouted, parameters) is { } entry)
                {
                    entries.Add(entry);
                }
            }

            return entries;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<QueueEntry?> ShowAsync(long messageId, CancellationToken cancellationToken = default)
    {
        var now = Now();
        return await _database.ReadAsync(c =>
        {
            using var snapshot = c.BeginTransaction(deferred: true);
            return Entry(c, snapshot, messageId, now, "1", "1", new DynamicParameters(new { now }));
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<int> RetryAsync(QueueFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var now = Now();
        var (deliveries, _, parameters) = Filter(filter, now);
        return _database.WriteAsync(w =>
        {
            var changed = w.Execute($"""
                UPDATE deliveries SET next_attempt = @now
                WHERE id IN (SELECT d.id FROM deliveries d JOIN queue_messages m ON m.id = d.message_id WHERE {deliveries})
                  AND state = 'pending' AND held = 0 AND (owner IS NULL OR lease_until <= @now) AND next_attempt > @now
                """, parameters);
            if (filter.MessageId is { } id)
            {
                changed += RetryRouting(w, "id = @id", new { id, now });
            }

            return changed;
        }, cancellationToken);
    }

    public Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        var now = Now();
        return _database.WriteAsync(w =>
            w.Execute("UPDATE deliveries SET next_attempt = @now WHERE state = 'pending' AND held = 0 AND (owner IS NULL OR lease_until <= @now) AND next_attempt > @now", new { now })
            + RetryRouting(w, "1", new { now }), cancellationToken);
    }

    public Task<int> HoldAsync(QueueFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (deliveries, _, parameters) = Filter(filter, Now());
        parameters.Add("heldUntil", HeldUntil);

        // An attempt under way keeps its lease (its outcome still counts); a deferral then keeps the hold.
        return _database.WriteAsync(w => w.Execute($"""
            UPDATE deliveries SET held = 1, next_attempt = CASE WHEN owner IS NOT NULL AND lease_until > @now THEN next_attempt ELSE @heldUntil END
            WHERE id IN (SELECT d.id FROM deliveries d JOIN queue_messages m ON m.id = d.message_id WHERE {deliveries})
              AND state = 'pending' AND held = 0
            """, parameters), cancellationToken);
    }

    public Task<int> ReleaseAsync(QueueFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (deliveries, _, parameters) = Filter(filter, Now());
        return _database.WriteAsync(w => w.Execute($"""
            UPDATE deliveries SET held = 0, next_attempt = CASE WHEN owner IS NOT NULL AND lease_until > @now THEN next_attempt ELSE @now END
            WHERE id IN (SELECT d.id FROM deliveries d JOIN queue_messages m ON m.id = d.message_id WHERE {deliveries})
              AND state = 'pending' AND held = 1
            """, parameters), cancellationToken);
    }

    public Task<int> DeleteAsync(QueueFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (deliveries, unrouted, parameters) = Filter(filter, Now());
        return _database.WriteAsync(w =>
        {
            var removed = w.Query<long>($"""
                DELETE FROM deliveries
                WHERE id IN (SELECT d.id FROM deliveries d JOIN queue_messages m ON m.id = d.message_id WHERE {deliveries})
                  AND state <> 'delivered'
                RETURNING message_id
                """, parameters).ToList();
            foreach (var message in removed.Distinct())
            {
                RemoveIfFinished(w, message);
            }

            // A message not routed yet goes whole, so only when it was named: by its id, or by
            // asking for unrouted messages (a domain filter must not take other domains' mail).
            if (filter.MessageId is not null || filter.State == QueueItemState.New)
            {
                var news = w.Query<long>($"SELECT DISTINCT m.id FROM queue_messages m JOIN queue_recipients r ON r.message_id = m.id WHERE m.state = 'new' AND {unrouted}", parameters).ToList();
                foreach (var message in news)
                {
                    // The recipients cascade; the table's trigger releases the content.
                    var recipients = w.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_recipients WHERE message_id = @message", new { message });
                    if (w.Execute("DELETE FROM queue_messages WHERE id = @message AND state = 'new'", new { message }) == 1)
                    {
                        removed.AddRange(Enumerable.Repeat(message, (int)recipients));
                    }
                }
            }

            return removed.Count;
        }, cancellationToken);
    }

    public Task<int> BounceAsync(QueueFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (deliveries, _, parameters) = Filter(filter, Now());
        parameters.Add("reply", IQueueStore.AdministratorBounce);

        // The fence moves: an attempt under way can no longer record over the bounce.
        return _database.WriteAsync(w => w.Execute($"""
            UPDATE deliveries SET state = 'failed', last_error = @reply, owner = NULL, lease_until = NULL, held = 0, fence = fence + 1
            WHERE id IN (SELECT d.id FROM deliveries d JOIN queue_messages m ON m.id = d.message_id WHERE {deliveries})
              AND state = 'pending'
            """, parameters), cancellationToken);
    }

    /// <summary>Makes put-off routing due now; counted in recipients, as every action is.</summary>
    private static int RetryRouting(SqliteWriteContext w, string where, object parameters) =>
        w.Query<long>($"""
            UPDATE queue_messages SET next_attempt = @now WHERE state = 'new' AND next_attempt > @now AND {where}
            RETURNING (SELECT COUNT(*) FROM queue_recipients r WHERE r.message_id = queue_messages.id)
            """, parameters).Sum(n => (int)n);

    /// <summary>
    /// The filter as two conditions: over a delivery <c>d</c> and its message <c>m</c>, and over an
    /// unrouted message <c>m</c>'s RCPT TO <c>r</c> (which has no connector, state or final domain).
    /// </summary>
    private static (string Deliveries, string Unrouted, DynamicParameters Parameters) Filter(QueueFilter filter, long now)
    {
        var parameters = new DynamicParameters(new { now });
        var deliveries = new StringBuilder("1");
        var unrouted = new StringBuilder("1");
        void Both(string condition)
        {
            deliveries.Append(" AND ").Append(condition);
            unrouted.Append(" AND ").Append(condition);
        }

        if (filter.MessageId is { } id)
        {
            parameters.Add("id", id);
            Both("m.id = @id");
        }

        if (filter.From is { } from)
        {
            if (from is "<>" or "")
            {
                Both("m.mail_from = ''");
            }
            else if (from.StartsWith('@'))
            {
                parameters.Add("fromDomain", from.ToLowerInvariant());
                Both("substr(lower(m.mail_from), -length(@fromDomain)) = @fromDomain");
            }
            else
            {
                parameters.Add("from", from.ToLowerInvariant());
                Both("lower(m.mail_from) = @from");
            }
        }

        if (filter.OlderThan is { } age)
        {
            parameters.Add("acceptedBefore", now - (long)age.TotalMilliseconds);
            Both("m.received_at < @acceptedBefore");
        }

        if (filter.ToDomain is { } domain)
        {
            var normal = domain.TrimStart('@').TrimEnd('.').ToLowerInvariant();
            parameters.Add("toDomain", normal);
            parameters.Add("atToDomain", "@" + normal);
            deliveries.Append(" AND d.domain = @toDomain");
            unrouted.Append(" AND substr(lower(r.address), -length(@atToDomain)) = @atToDomain");
        }

        if (filter.Connector is { } connector)
        {
            parameters.Add("connector", connector);
            deliveries.Append(" AND d.connector = @connector");
            unrouted.Append(" AND 0");
        }

        if (filter.State is { } state)
        {
            deliveries.Append(" AND ").Append(state switch
            {
                QueueItemState.New => "0",
                QueueItemState.Ready => $"d.state = 'pending' AND d.held = 0 AND {NotInFlight} AND d.attempts = 0",
                QueueItemState.Deferred => $"d.state = 'pending' AND d.held = 0 AND {NotInFlight} AND d.attempts > 0",
                QueueItemState.InFlight => $"d.state = 'pending' AND d.held = 0 AND {InFlight}",
                QueueItemState.Held => "d.state = 'pending' AND d.held = 1",
                QueueItemState.Failed => "d.state = 'failed'",
                QueueItemState.Delivered => "d.state = 'delivered'",
                _ => throw new ArgumentOutOfRangeException(nameof(filter), state, "not a queue state"),
            });
            if (state != QueueItemState.New)
            {
                unrouted.Append(" AND 0");
            }
        }

        return (deliveries.ToString(), unrouted.ToString(), parameters);
    }

    /// <summary>One message with its recipients that match the conditions (<c>"1"</c>: all), or null when it is not queued.</summary>
    private static QueueEntry? Entry(SqliteConnection c, SqliteTransaction snapshot, long id, long now, string deliveries, string unrouted, DynamicParameters parameters)
    {
        var row = c.QuerySingleOrDefault<MessageRow>("SELECT * FROM queue_messages WHERE id = @id", new { id }, snapshot);
        if (row is null)
        {
            return null;
        }

        var envelope = row.Envelope(Recipients(c, id, snapshot));
        var scoped = new DynamicParameters(parameters);
        scoped.Add("entry", id);
        List<QueueRecipientStatus> recipients;
        if (row.state == "new")
        {
            var matching = c.Query<string>($"SELECT r.address FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id WHERE m.id = @entry AND {unrouted} ORDER BY r.position", scoped, snapshot).ToList();
            recipients = matching.Select(a => new QueueRecipientStatus(0, a, a, null, QueueItemState.New, (int)row.attempts, null,
                row.attempts > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(row.next_attempt) : null, null, null, null)).ToList();
        }
        else
        {
            recipients = c.Query<DeliveryRow>($"""
                SELECT d.id, d.recipient, d.original, d.connector, d.state, d.held, d.owner, d.lease_until, d.attempts, d.next_attempt, d.last_attempt, d.last_error
                FROM deliveries d JOIN queue_messages m ON m.id = d.message_id WHERE d.message_id = @entry AND {deliveries} ORDER BY d.id
                """, scoped, snapshot).Select(d => d.Status(now)).ToList();
        }

        return new QueueEntry(id, DateTimeOffset.FromUnixTimeMilliseconds(row.received_at), row.size, envelope, recipients);
    }

#pragma warning disable IDE1006, SA1300 // Dapper maps columns by name.
    private sealed class DeliveryRow
    {
        public long id { get; set; }

        public string recipient { get; set; } = "";

        public string original { get; set; } = "";

        public string connector { get; set; } = "";

        public string state { get; set; } = "";

        public long held { get; set; }

        public string? owner { get; set; }

        public long? lease_until { get; set; }

        public long attempts { get; set; }

        public long next_attempt { get; set; }

        public long? last_attempt { get; set; }

        public string? last_error { get; set; }

        public QueueRecipientStatus Status(long now)
        {
            var inFlight = owner is not null && lease_until > now;
            var kind = state switch
            {
                "delivered" => QueueItemState.Delivered,
                "failed" => QueueItemState.Failed,
                _ when held != 0 => QueueItemState.Held,
                _ when inFlight => QueueItemState.InFlight,
                _ when attempts > 0 => QueueItemState.Deferred,
                _ => QueueItemState.Ready,
            };
            DateTimeOffset? next = kind is QueueItemState.Ready or QueueItemState.Deferred ? DateTimeOffset.FromUnixTimeMilliseconds(next_attempt) : null;
            return new QueueRecipientStatus(
                id,
                recipient,
                original,
                connector,
                kind,
                (int)attempts,
                last_error,
                next,
                last_attempt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
                inFlight ? owner : null,
                inFlight && lease_until is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null);
        }
    }
#pragma warning restore IDE1006, SA1300
}
