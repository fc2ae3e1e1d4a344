using Dapper;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// The bounce step's half of the queue: failed deliveries found, and reported (with their DSN
/// queued) in one transaction guarded by each failure's fence (rule 2).
/// </summary>
public sealed partial class SqliteQueueStore
{
    /// <summary>
    /// How long a delivery never attempted holds back the report of its message's other failures.
    /// A first attempt comes seconds after routing; one that has not come by then waits on a
    /// connector that is not running, and the sender must not wait on it.
    /// </summary>
    internal static readonly TimeSpan FirstRoundHold = TimeSpan.FromMinutes(10);

    public async Task<IReadOnlyList<UnreportedMessage>> FindUnreportedAsync(int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var now = Now();
        return await _database.ReadAsync<IReadOnlyList<UnreportedMessage>>(c =>
        {
            using var snapshot = c.BeginTransaction(deferred: true);

            // Driven by the partial index of unreported failures, which stays small.
            var rows = c.Query<MessageRow>("""
                SELECT m.* FROM queue_messages m
                WHERE m.id IN (SELECT message_id FROM deliveries WHERE state = 'failed' AND reported = 0)
                  AND m.state = 'routed'
                  AND NOT EXISTS (SELECT 1 FROM deliveries p
                                  WHERE p.message_id = m.id AND p.state = 'pending' AND p.held = 0
                                    AND ((p.owner IS NOT NULL AND p.lease_until > @now) OR (p.attempts = 0 AND m.received_at > @holdFrom)))
                ORDER BY m.id LIMIT @max
                """, new { now, max, holdFrom = now - (long)FirstRoundHold.TotalMilliseconds }, snapshot).ToList();
            var found = new List<UnreportedMessage>(rows.Count);
            foreach (var row in rows)
            {
                var envelope = row.Envelope(Recipients(c, row.id, snapshot));
                var failures = c.Query<(long Id, long Fence, string Recipient, string Original, string Connector, string? LastError, string? RemoteMta, long? LastAttempt, long Attempts)>("""
                    SELECT id, fence, recipient, original, connector, last_error, remote_mta, last_attempt, attempts
                    FROM deliveries WHERE message_id = @id AND state = 'failed' AND reported = 0 ORDER BY id
                    """, new { row.id }, snapshot)
                    .Select(f => Reportable(envelope, f))
                    .ToList();
                found.Add(new UnreportedMessage(row.id, row.Blob(), DateTimeOffset.FromUnixTimeMilliseconds(row.received_at), envelope, failures));
            }

            return found;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// Durable (a DSN is a message queued: as an accept, it must survive once it counts). The
    /// check and the marks are in one writer transaction, so a second reporter of the same
    /// failures, in this process or another, finds them reported and queues nothing.
    /// </remarks>
    public Task<FailureReport> ReportAsync(UnreportedMessage message, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Failures.Count == 0)
        {
            throw new ArgumentException("a report names at least one failure", nameof(message));
        }

        if ((dsn is null) != (dsnEnvelope is null))
        {
            throw new ArgumentException("a DSN needs both its content and its envelope");
        }

        if (dsnEnvelope is { Recipients.Count: 0 })
        {
            throw new ArgumentException("a DSN needs its recipient", nameof(dsnEnvelope));
        }

        var now = _clock.GetUtcNow();
        return _database.WriteAsync(w =>
        {
            foreach (var failure in message.Failures)
            {
                if (w.ExecuteScalar<long>(
                    "SELECT COUNT(*) FROM deliveries WHERE id = @id AND message_id = @message AND state = 'failed' AND reported = 0 AND fence = @fence",
                    new { id = failure.Id, message = message.MessageId, fence = failure.Fence }) != 1)
                {
                    return FailureReport.Lost;
                }
            }

            foreach (var failure in message.Failures)
            {
                w.Execute("UPDATE deliveries SET reported = 1 WHERE id = @id", new { id = failure.Id });
            }

            long? dsnId = dsn is null ? null : Insert(w, dsn, dsnEnvelope!, now, null, contents);
            return new FailureReport(true, dsnId, RemoveIfFinished(w, message.MessageId));
        }, cancellationToken);
    }
    public async Task<IReadOnlyList<DelayedMessage>> FindDelayedAsync(DateTimeOffset acceptedBefore, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var now = Now();
        return await _database.ReadAsync<IReadOnlyList<DelayedMessage>>(c =>
        {
            using var snapshot = c.BeginTransaction(deferred: true);

            // Driven by the pending deliveries (few, next to the messages a queue holds).
            var rows = c.Query<MessageRow>("""
                SELECT m.* FROM queue_messages m
                WHERE m.state = 'routed' AND m.delay_warned = 0 AND m.received_at < @before
                  AND m.id IN (SELECT message_id FROM deliveries
                               WHERE state = 'pending' AND held = 0 AND attempts > 0 AND (owner IS NULL OR lease_until <= @now))
                ORDER BY m.id LIMIT @max
                """, new { now, max, before = acceptedBefore.ToUnixTimeMilliseconds() }, snapshot).ToList();
            return rows.Select(row =>
            {
                var envelope = row.Envelope(Recipients(c, row.id, snapshot));
                var delayed = c.Query<(long Id, long Fence, string Recipient, string Original, string Connector, string? LastError, string? RemoteMta, long? LastAttempt, long Attempts)>("""
                    SELECT id, fence, recipient, original, connector, last_error, remote_mta, last_attempt, attempts
                    FROM deliveries WHERE message_id = @id AND state = 'pending' AND held = 0 AND attempts > 0 AND (owner IS NULL OR lease_until <= @now) ORDER BY id
                    """, new { row.id, now }, snapshot)
                    .Select(d => Reportable(envelope, d))
                    .ToList();
                return new DelayedMessage(row.id, row.Blob(), DateTimeOffset.FromUnixTimeMilliseconds(row.received_at), envelope, delayed);
            }).ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<FailureReport> WarnDelayAsync(long messageId, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default)
    {
        if ((dsn is null) != (dsnEnvelope is null))
        {
            throw new ArgumentException("a DSN needs both its content and its envelope");
        }

        var now = _clock.GetUtcNow();
        return _database.WriteAsync(w =>
        {
            if (w.Execute("UPDATE queue_messages SET delay_warned = 1 WHERE id = @messageId AND delay_warned = 0", new { messageId }) != 1)
            {
                return FailureReport.Lost;
            }

            long? dsnId = dsn is null ? null : Insert(w, dsn, dsnEnvelope!, now, null, contents);
            return new FailureReport(true, dsnId, false);
        }, cancellationToken);
    }

    private static ReportableDelivery Reportable(Envelope envelope, (long Id, long Fence, string Recipient, string Original, string Connector, string? LastError, string? RemoteMta, long? LastAttempt, long Attempts) d)
    {
        var rcpt = envelope.Recipients.FirstOrDefault(r => string.Equals(r.Address, d.Original, StringComparison.OrdinalIgnoreCase));
        return new ReportableDelivery(d.Id, d.Fence, d.Recipient, d.Original, d.Connector, d.LastError)
        {
            Notify = rcpt?.Notify,
            OriginalRecipient = rcpt?.OriginalRecipient,
            RemoteMta = d.RemoteMta,
            LastAttempt = d.LastAttempt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
            Attempts = (int)d.Attempts,
        };
    }
}
