using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// <see cref="IQueueStore"/> over a <see cref="MemoryQueueDatabase"/>, statement for statement
/// what SqliteQueueStore does: reads answer from one moment, and every write is one atomic
/// transaction that takes an item only if it is still as the caller found it.
/// </summary>
internal sealed partial class MemoryQueueStore(MemoryQueueDatabase database, TimeProvider clock) : IQueueStore
{
    private readonly MemoryQueueDatabase _database = database;
    private readonly TimeProvider _clock = clock;

    // Content and the parsed structure are not this fake's concern (the queue's ownership rules
    // are): inline bytes and structures are accepted and not kept.
    public Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) => Task.FromResult<StoredStructure?>(null);

    public async Task<long> EnqueueAsync(StagedContent content, Envelope envelope, DateTimeOffset receivedAt, StoredStructure? structure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(envelope);
        var blob = content.Ref;
        if (envelope.Recipients.Count == 0)
        {
            throw new ArgumentException("a message needs at least one recipient", nameof(envelope));
        }

        await Task.Yield();
        var id = _database.Transaction(db =>
        {
            if (envelope.SourceKey is { } source && db.Sources.TryGetValue(source, out var queued))
            {
                return queued.Id;
            }

            var id = db.NextMessageId();
            db.Messages.Add(id, new MemoryQueueDatabase.MessageRow(id, blob, receivedAt, envelope with { Recipients = [.. envelope.Recipients] }));
            if (envelope.SourceKey is { } key)
            {
                db.Sources[key] = (id, receivedAt);
            }

            return id;
        });
        await Task.Yield();
        return id;
    }

    public async Task<IReadOnlyList<QueuedMessage>> FindNewAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var found = _database.Transaction(db => db.Messages.Values
            .Where(m => !m.Routed && m.NextAttempt <= now && m.Id % partitions == partition)
            .Take(max)
            .Select(m => new QueuedMessage(m.Id, m.Blob, m.ReceivedAt, m.Envelope, m.Attempts))
            .ToList());
        await Task.Yield();
        return found;
    }

    public async Task<int> RouteAsync(IReadOnlyList<(QueuedMessage Message, IReadOnlyList<Route> Routes)> routed, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var taken = _database.Transaction(db =>
        {
            var taken = 0;
            foreach (var (message, routes) in routed)
            {
                // UPDATE queue_messages SET state = 'routed' WHERE id = @id AND state = 'new'
                if (!db.Messages.TryGetValue(message.Id, out var row) || (row.Routed && !db.Removed.HasFlag(RemovedProtections.StillNew)))
                {
                    continue;
                }

                row.Routed = true;
                foreach (var route in routes)
                {
                    // INSERT OR IGNORE: UNIQUE (message_id, recipient).
                    if (!db.Deliveries.Any(d => d.MessageId == message.Id && d.Recipient == route.Recipient))
                    {
                        db.Deliveries.Add(new MemoryQueueDatabase.DeliveryRow(db.NextDeliveryId(), message.Id, route));
                    }
                }

                taken++;
            }

            return taken;
        });
        await Task.Yield();
        return taken;
    }

    public async Task DeferNewAsync(long messageId, DateTimeOffset retryAt, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        _database.Transaction(db =>
        {
            if (db.Messages.TryGetValue(messageId, out var row) && !row.Routed)
            {
                row.NextAttempt = retryAt;
                row.Attempts++;
            }

            return 0;
        });
    }

    public async Task<IReadOnlyList<DeliveryItem>> FindPendingAsync(string connector, int partition, int partitions, int max, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connector);
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var found = _database.Transaction(db =>
        {
            // The barrier: nothing goes ahead of an earlier message still unrouted, unless its
            // routing failed and was put off. (The query's second barrier, an earlier due item for
            // the same recipient in another partition, is for rows older than destination_hash; the
            // hash here is always the recipient's, so it never applies.)
            var firstUnrouted = db.Messages.Values.Where(m => !m.Routed && m.Attempts == 0).Select(m => m.Id).DefaultIfEmpty(long.MaxValue).Min();
            if (db.Removed.HasFlag(RemovedProtections.Hold))
            {
                firstUnrouted = long.MaxValue;
            }

            return db.Deliveries
                .Where(d => d.Connector == connector && d.State == "pending" && d.NextAttempt <= now && d.MessageId < firstUnrouted
                    && (db.Removed.HasFlag(RemovedProtections.Partition) ? d.Id : d.DestinationHash) % partitions == partition)
                .OrderBy(d => d.MessageId).ThenBy(d => d.Id)
                .Take(max)
                .Select(d =>
                {
                    var message = db.Messages[d.MessageId];
                    return new DeliveryItem(d.Id, d.MessageId, d.Fence, d.Recipient, d.Original, connector, d.Attempts + 1, message.Blob, message.Envelope.MailFrom, message.ReceivedAt);
                })
                .ToList();
        });
        await Task.Yield();
        return found;
    }

    public async Task<IReadOnlyList<long>> SetPendingOutcomeAsync(IReadOnlyList<DeliveryItem> items, DateTimeOffset retryAt, string error, bool fail, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var changed = _database.Transaction(db =>
        {
            var changed = new List<long>(items.Count);
            foreach (var item in items)
            {
                var row = db.Deliveries.SingleOrDefault(d => d.Id == item.Id);
                if (row is { State: "pending" } && row.Fence == item.Fence)
                {
                    row.State = fail ? "failed" : "pending";
                    row.NextAttempt = row.Held ? DateTimeOffset.MaxValue : retryAt;
                    row.LastError = error;
                    row.Attempts++;
                    row.Fence++;
                    changed.Add(item.Id);
                }
            }

            return changed;
        });
        await Task.Yield();
        return changed;
    }

    public async Task<int> ForgetSourcesAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return _database.Transaction(db =>
        {
            var old = db.Sources.Where(s => s.Value.At < before).Select(s => s.Key).ToList();
            old.ForEach(k => db.Sources.Remove(k));
            return old.Count;
        });
    }

    public async Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var statistics = _database.Transaction(db => new QueueStatistics(
            db.Messages.Values.Count(m => !m.Routed),
            db.Messages.Values.Count(m => m.Routed),
            db.Deliveries.Count(d => d.State == "failed"),
            db.Deliveries.Where(d => d.State == "pending").GroupBy(d => d.Connector, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)));
        await Task.Yield();
        return statistics;
    }
}
