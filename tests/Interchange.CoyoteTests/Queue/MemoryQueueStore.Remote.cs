using Interchange.Storage.Queue;

namespace Interchange.CoyoteTests.Queue;

/// <summary>Remote claims and administration over the in-memory database, statement for statement as SqliteQueueStore.Claims and .Administration.</summary>
internal sealed partial class MemoryQueueStore
{
    public async Task<IReadOnlyList<DeliveryBatch>> ClaimAsync(string connector, string owner, int maxBatches, TimeSpan lease, string? domain = null, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var until = now + lease;
        var wanted = domain?.ToLowerInvariant();
        var batches = _database.Transaction(db =>
        {
            // UPDATE ... WHERE due AND (message_id, domain) IN (first due groups) RETURNING ...
            bool Due(MemoryQueueDatabase.DeliveryRow d) => d.Connector == connector && d.State == "pending" && !d.Held && d.NextAttempt <= now;
            var groups = db.Deliveries.Where(d => Due(d) && (wanted is null || d.Domain == wanted))
                .Select(d => (d.MessageId, d.Domain)).Distinct()
                .OrderBy(g => g.MessageId).ThenBy(g => g.Domain, StringComparer.Ordinal)
                .Take(maxBatches)
                .ToList();
            var result = new List<DeliveryBatch>();
            foreach (var (messageId, groupDomain) in groups)
            {
                var message = db.Messages[messageId];
                var items = new List<DeliveryItem>();
                foreach (var d in db.Deliveries.Where(d => d.MessageId == messageId && d.Domain == groupDomain && Due(d)).OrderBy(d => d.Id))
                {
                    d.Owner = owner;
                    d.LeaseUntil = until;
                    d.NextAttempt = until;
                    d.LastAttempt = now;
                    d.Fence++;
                    d.Attempts++;
                    var rcpt = message.Envelope.Recipients.FirstOrDefault(r => string.Equals(r.Address, d.Original, StringComparison.OrdinalIgnoreCase));
                    items.Add(new DeliveryItem(d.Id, messageId, d.Fence, d.Recipient, d.Original, connector, d.Attempts, message.Blob, message.Envelope.MailFrom, message.ReceivedAt)
                    {
                        Notify = rcpt?.Notify,
                        OriginalRecipient = rcpt?.OriginalRecipient,
                    });
                }

                result.Add(new DeliveryBatch(messageId, groupDomain, message.Blob, message.ReceivedAt, message.Envelope, items, until));
            }

            return result;
        });
        await Task.Yield();
        return batches;
    }

    public async Task<IReadOnlyList<long>> RenewLeaseAsync(IReadOnlyList<DeliveryItem> items, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var renewed = _database.Transaction(db =>
        {
            var renewed = new List<long>();
            foreach (var item in items)
            {
                if (db.Deliveries.SingleOrDefault(d => d.Id == item.Id) is { State: "pending" } row && row.Fence == item.Fence && row.InFlight(now))
                {
                    row.LeaseUntil = row.NextAttempt = now + lease;
                    renewed.Add(item.Id);
                }
            }

            return renewed;
        });
        await Task.Yield();
        return renewed;
    }

    public async Task<IReadOnlyList<long>> RecordOutcomeAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var recorded = _database.Transaction(db =>
        {
            var recorded = new List<long>();
            foreach (var outcome in outcomes)
            {
                var row = db.Deliveries.SingleOrDefault(d => d.Id == outcome.Item.Id);
                var unfenced = db.Removed.HasFlag(RemovedProtections.Fence);
                if (row is not { State: "pending" } || (!unfenced && (row.Fence != outcome.Item.Fence || !row.InFlight(now))))
                {
                    continue;
                }

                row.State = outcome.Kind switch
                {
                    DeliveryOutcomeKind.Delivered => "delivered",
                    DeliveryOutcomeKind.Failed => "failed",
                    _ => "pending",
                };
                if (outcome.Kind == DeliveryOutcomeKind.Deferred)
                {
                    row.NextAttempt = row.Held ? DateTimeOffset.MaxValue : outcome.RetryAt!.Value;
                }

                row.LastError = outcome.Reply;
                row.RemoteMta = outcome.RemoteMta;
                row.Owner = null;
                row.LeaseUntil = null;
                row.Fence++;
                recorded.Add(row.Id);
                if (outcome.Kind == DeliveryOutcomeKind.Delivered)
                {
                    RemoveIfFinished(db, row.MessageId);
                }
            }

            return recorded;
        });
        await Task.Yield();
        return recorded;
    }

    public async Task<int> ReleaseClaimsAsync(string node, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        return _database.Transaction(db =>
        {
            var released = 0;
            foreach (var row in db.Deliveries.Where(d => d.State == "pending" && d.Owner is { } o && (o == node || o.StartsWith(node + "/", StringComparison.Ordinal))))
            {
                row.Owner = null;
                row.LeaseUntil = null;
                row.Fence++;
                row.NextAttempt = row.Held ? DateTimeOffset.MaxValue : now;
                released++;
            }

            return released;
        });
    }

    public async Task<IReadOnlyList<QueueEntry>> ListAsync(QueueFilter filter, int max = 1000, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        return _database.Transaction(db => db.Messages.Values
            .Select(m => Entry(db, m, now, filter))
            .Where(e => e.Recipients.Count > 0)
            .Take(max)
            .ToList());
    }

    public async Task<QueueEntry?> ShowAsync(long messageId, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        return _database.Transaction(db => db.Messages.TryGetValue(messageId, out var m) ? Entry(db, m, now, QueueFilter.All) : null);
    }

    public Task<int> RetryAsync(QueueFilter filter, CancellationToken cancellationToken = default) => ChangeAsync(filter, (db, d, now) =>
    {
        if (d.State != "pending" || d.Held || d.InFlight(now) || d.NextAttempt <= now)
        {
            return false;
        }

        d.NextAttempt = now;
        return true;
    }, retryRouting: filter.MessageId is not null);

    public Task<int> FlushAsync(CancellationToken cancellationToken = default) => ChangeAsync(QueueFilter.All, (db, d, now) =>
    {
        if (d.State != "pending" || d.Held || d.InFlight(now) || d.NextAttempt <= now)
        {
            return false;
        }

        d.NextAttempt = now;
        return true;
    }, retryRouting: true);

    public Task<int> HoldAsync(QueueFilter filter, CancellationToken cancellationToken = default) => ChangeAsync(filter, (db, d, now) =>
    {
        if (d.State != "pending" || d.Held)
        {
            return false;
        }

        d.Held = true;
        if (!d.InFlight(now))
        {
            d.NextAttempt = DateTimeOffset.MaxValue;
        }

        return true;
    });

    public Task<int> ReleaseAsync(QueueFilter filter, CancellationToken cancellationToken = default) => ChangeAsync(filter, (db, d, now) =>
    {
        if (d.State != "pending" || !d.Held)
        {
            return false;
        }

        d.Held = false;
        if (!d.InFlight(now))
        {
            d.NextAttempt = now;
        }

        return true;
    });

    public Task<int> BounceAsync(QueueFilter filter, CancellationToken cancellationToken = default) => ChangeAsync(filter, (db, d, now) =>
    {
        if (d.State != "pending")
        {
            return false;
        }

        d.State = "failed";
        d.LastError = IQueueStore.AdministratorBounce;
        d.Owner = null;
        d.LeaseUntil = null;
        d.Held = false;
        d.Fence++;
        return true;
    });

    public async Task<int> DeleteAsync(QueueFilter filter, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        return _database.Transaction(db =>
        {
            var removed = db.Deliveries.Where(d => d.State != "delivered" && db.Messages.TryGetValue(d.MessageId, out var m) && Matches(d, m, now, filter)).ToList();
            foreach (var d in removed)
            {
                db.Deliveries.Remove(d);
            }

            foreach (var message in removed.Select(d => d.MessageId).Distinct())
            {
                RemoveIfFinished(db, message);
            }

            var count = removed.Count;
            if (filter.MessageId is not null || filter.State == QueueItemState.New)
            {
                foreach (var m in db.Messages.Values.Where(m => !m.Routed).ToList())
                {
                    if (m.Envelope.Recipients.Any(r => MatchesUnrouted(r.Address, m, now, filter)))
                    {
                        db.Messages.Remove(m.Id);
                        count += m.Envelope.Recipients.Count;
                    }
                }
            }

            return count;
        });
    }

    private static bool RemoveIfFinished(MemoryQueueDatabase db, long messageId)
    {
        if (db.Messages.TryGetValue(messageId, out var message) && message.Routed && db.Deliveries.Where(d => d.MessageId == messageId).All(d => d.Finished))
        {
            db.Messages.Remove(messageId);
            db.Deliveries.RemoveAll(d => d.MessageId == messageId);
            return true;
        }

        return false;
    }

    private async Task<int> ChangeAsync(QueueFilter filter, Func<MemoryQueueDatabase, MemoryQueueDatabase.DeliveryRow, DateTimeOffset, bool> change, bool retryRouting = false)
    {
        await Task.Yield();
        var now = _clock.GetUtcNow();
        var changed = _database.Transaction(db =>
        {
            var changed = db.Deliveries.Count(d => db.Messages.TryGetValue(d.MessageId, out var m) && Matches(d, m, now, filter) && change(db, d, now));
            if (retryRouting)
            {
                foreach (var m in db.Messages.Values.Where(m => !m.Routed && m.NextAttempt > now && (filter.MessageId is null || m.Id == filter.MessageId)))
                {
                    m.NextAttempt = now;
                    changed += m.Envelope.Recipients.Count;
                }
            }

            return changed;
        });
        await Task.Yield();
        return changed;
    }

    private static QueueEntry Entry(MemoryQueueDatabase db, MemoryQueueDatabase.MessageRow m, DateTimeOffset now, QueueFilter filter)
    {
        var recipients = m.Routed
            ? db.Deliveries.Where(d => d.MessageId == m.Id && Matches(d, m, now, filter)).OrderBy(d => d.Id).Select(d => Status(d, now)).ToList()
            : m.Envelope.Recipients.Where(r => MatchesUnrouted(r.Address, m, now, filter))
                .Select(r => new QueueRecipientStatus(0, r.Address, r.Address, null, QueueItemState.New, m.Attempts, null, m.Attempts > 0 ? m.NextAttempt : null, null, null, null)).ToList();
        return new QueueEntry(m.Id, m.ReceivedAt, m.Blob.Length, m.Envelope, recipients);
    }

    private static QueueItemState StateOf(MemoryQueueDatabase.DeliveryRow d, DateTimeOffset now) => d.State switch
    {
        "delivered" => QueueItemState.Delivered,
        "failed" => QueueItemState.Failed,
        _ when d.Held => QueueItemState.Held,
        _ when d.InFlight(now) => QueueItemState.InFlight,
        _ when d.Attempts > 0 => QueueItemState.Deferred,
        _ => QueueItemState.Ready,
    };

    private static QueueRecipientStatus Status(MemoryQueueDatabase.DeliveryRow d, DateTimeOffset now)
    {
        var state = StateOf(d, now);
        var inFlight = state == QueueItemState.InFlight;
        return new QueueRecipientStatus(d.Id, d.Recipient, d.Original, d.Connector, state, d.Attempts, d.LastError,
            state is QueueItemState.Ready or QueueItemState.Deferred ? d.NextAttempt : null, d.LastAttempt, inFlight ? d.Owner : null, inFlight ? d.LeaseUntil : null);
    }

    private static bool MatchesMessage(MemoryQueueDatabase.MessageRow m, DateTimeOffset now, QueueFilter filter) =>
        (filter.MessageId is null || m.Id == filter.MessageId)
        && (filter.OlderThan is null || m.ReceivedAt < now - filter.OlderThan.Value)
        && filter.From switch
        {
            null => true,
            "<>" or "" => m.Envelope.MailFrom.Length == 0,
            var f when f.StartsWith('@') => m.Envelope.MailFrom.EndsWith(f, StringComparison.OrdinalIgnoreCase),
            var f => string.Equals(m.Envelope.MailFrom, f, StringComparison.OrdinalIgnoreCase),
        };

    private static bool Matches(MemoryQueueDatabase.DeliveryRow d, MemoryQueueDatabase.MessageRow m, DateTimeOffset now, QueueFilter filter) =>
        MatchesMessage(m, now, filter)
        && (filter.ToDomain is null || d.Domain == Domain(filter.ToDomain))
        && (filter.Connector is null || d.Connector == filter.Connector)
        && (filter.State is null || StateOf(d, now) == filter.State);

    private static bool MatchesUnrouted(string address, MemoryQueueDatabase.MessageRow m, DateTimeOffset now, QueueFilter filter) =>
        MatchesMessage(m, now, filter)
        && (filter.ToDomain is null || address.EndsWith("@" + Domain(filter.ToDomain), StringComparison.OrdinalIgnoreCase))
        && filter.Connector is null
        && (filter.State is null or QueueItemState.New);

    private static string Domain(string filter) => filter.TrimStart('@').TrimEnd('.').ToLowerInvariant();
}
