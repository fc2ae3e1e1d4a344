using Interchange.Storage.Content;
using Interchange.Storage.Queue;

namespace Interchange.CoyoteTests.Queue;

/// <summary>The bounce step as SqliteQueueStore.Bounces does it: find unreported failures, report them under their fences.</summary>
internal sealed partial class MemoryQueueStore
{
    /// <summary>SqliteQueueStore.FirstRoundHold.</summary>
    private static readonly TimeSpan FirstRoundHold = TimeSpan.FromMinutes(10);

    public async Task<IReadOnlyList<UnreportedMessage>> FindUnreportedAsync(int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var found = _database.Transaction(db => db.Messages.Values
            .Where(m => m.Routed)
            .Select(m => (Message: m, Deliveries: db.Deliveries.Where(d => d.MessageId == m.Id).OrderBy(d => d.Id).ToList()))
            .Where(x => x.Deliveries.Any(d => d.State == "failed" && !d.Reported)
                && !x.Deliveries.Any(d => d.State == "pending" && !d.Held && (d.InFlight(now) || (d.Attempts == 0 && x.Message.ReceivedAt > now - FirstRoundHold))))
            .Take(max)
            .Select(x => new UnreportedMessage(x.Message.Id, x.Message.Blob, x.Message.ReceivedAt, x.Message.Envelope, x.Deliveries
                .Where(d => d.State == "failed" && !d.Reported)
                .Select(d => Reportable(x.Message, d))
                .ToList()))
            .ToList());
        await Task.Yield();
        return found;
    }

    public async Task<FailureReport> ReportAsync(UnreportedMessage message, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if ((dsn is null) != (dsnEnvelope is null))
        {
            throw new ArgumentException("a DSN needs both its content and its envelope");
        }

        await Task.Yield();
        var now = _clock.GetUtcNow();
        var report = _database.Transaction(db =>
        {
            var anyState = db.Removed.HasFlag(RemovedProtections.Reported);
            var rows = message.Failures.Select(f => db.Deliveries.SingleOrDefault(d => d.Id == f.Id && d.MessageId == message.MessageId && d.State == "failed" && (anyState || (d.Fence == f.Fence && !d.Reported)))).ToList();
            if (rows.Any(r => r is null))
            {
                return FailureReport.Lost;
            }

            rows.ForEach(r => r!.Reported = true);
            long? dsnId = null;
            if (dsn is not null)
            {
                dsnId = db.NextMessageId();
                db.Messages.Add(dsnId.Value, new MemoryQueueDatabase.MessageRow(dsnId.Value, dsn.Ref, now, dsnEnvelope! with { Recipients = [.. dsnEnvelope.Recipients] }));
            }

            return new FailureReport(true, dsnId, RemoveIfFinished(db, message.MessageId));
        });
        await Task.Yield();
        return report;
    }
    public async Task<IReadOnlyList<DelayedMessage>> FindDelayedAsync(DateTimeOffset acceptedBefore, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var found = _database.Transaction(db => db.Messages.Values
            .Where(m => m.Routed && !m.DelayWarned && m.ReceivedAt < acceptedBefore)
            .Select(m => (Message: m, Delayed: db.Deliveries.Where(d => d.MessageId == m.Id && d.State == "pending" && !d.Held && d.Attempts > 0 && !d.InFlight(now)).OrderBy(d => d.Id).ToList()))
            .Where(x => x.Delayed.Count > 0)
            .Take(max)
            .Select(x => new DelayedMessage(x.Message.Id, x.Message.Blob, x.Message.ReceivedAt, x.Message.Envelope, x.Delayed.Select(d => Reportable(x.Message, d)).ToList()))
            .ToList());
        await Task.Yield();
        return found;
    }

    public async Task<FailureReport> WarnDelayAsync(long messageId, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var report = _database.Transaction(db =>
        {
            if (!db.Messages.TryGetValue(messageId, out var message) || message.DelayWarned)
            {
                return FailureReport.Lost;
            }

            message.DelayWarned = true;
            long? dsnId = null;
            if (dsn is not null)
            {
                dsnId = db.NextMessageId();
                db.Messages.Add(dsnId.Value, new MemoryQueueDatabase.MessageRow(dsnId.Value, dsn.Ref, now, dsnEnvelope! with { Recipients = [.. dsnEnvelope.Recipients] }));
            }

            return new FailureReport(true, dsnId, false);
        });
        await Task.Yield();
        return report;
    }

    private static ReportableDelivery Reportable(MemoryQueueDatabase.MessageRow message, MemoryQueueDatabase.DeliveryRow d)
    {
        var rcpt = message.Envelope.Recipients.FirstOrDefault(r => string.Equals(r.Address, d.Original, StringComparison.OrdinalIgnoreCase));
        return new ReportableDelivery(d.Id, d.Fence, d.Recipient, d.Original, d.Connector, d.LastError)
        {
            Notify = rcpt?.Notify,
            OriginalRecipient = rcpt?.OriginalRecipient,
            RemoteMta = d.RemoteMta,
            LastAttempt = d.LastAttempt,
            Attempts = d.Attempts,
        };
    }
}
