using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// The local-delivery side of <see cref="IMailStore"/> over a <see cref="MemoryQueueDatabase"/>,
/// as SqliteMailStore.DeliverAsync does it: per item, in one transaction for the list, the
/// queue's completion (still pending with the item's fence), the INBOX append keyed by (message,
/// recipient), and the removal of a message whose deliveries are all done; an item whose user is
/// gone from <see cref="MemoryQueueDatabase.Users"/> is failed instead, also only with its fence. Reads of INBOX; the
/// rest of the mail store is not needed by the queue's tests.
/// </summary>
internal sealed class MemoryDeliveryStore(MemoryQueueDatabase database) : UnsupportedMailStore
{
    public override Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) => Task.FromResult<StoredStructure?>(null);

    public override Task SaveStructuresAsync(IReadOnlyList<StoredStructure> structures, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override async Task<DeliveryResult> DeliverAsync(IReadOnlyList<MailboxDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        await Task.Yield();
        var delivered = database.Transaction(db =>
        {
            var done = new List<long>(deliveries.Count);
            var gone = new List<long>();
            foreach (var (item, prefix) in deliveries)
            {
                // UPDATE deliveries SET state = 'delivered', ... WHERE id = @id AND state = 'pending' AND fence = @fence
                var row = db.Deliveries.SingleOrDefault(d => d.Id == item.Id);
                if (row is not { State: "pending" } || (row.Fence != item.Fence && !db.Removed.HasFlag(RemovedProtections.Fence)))
                {
                    continue;
                }

                if (!db.Users.Contains(item.Recipient))
                {
                    row.State = "failed";
                    row.LastError = DeliveryResult.RecipientGoneError;
                    row.Attempts++;
                    row.Fence++;
                    gone.Add(item.Id);
                    continue;
                }

                row.State = "delivered";
                row.LastError = null;
                row.Attempts++;
                row.Fence++;

                // The append, keyed by (message, recipient): the unique index adds no second copy.
                if (db.DeliveryKeys.Add($"{item.MessageId}:{item.Recipient}"))
                {
                    if (!db.Inboxes.TryGetValue(item.Recipient, out var inbox))
                    {
                        db.Inboxes[item.Recipient] = inbox = [];
                    }

                    var uid = inbox.Count == 0 ? 1 : inbox[^1].Uid + 1;
                    inbox.Add(new StoredMessage(uid, item.Blob.Id, prefix, prefix.Length + item.Blob.Length, item.ReceivedAt, [], uid + 1));
                }

                // The last delivery done: the queue entry has served its purpose.
                if (db.Messages.TryGetValue(item.MessageId, out var message) && message.Routed
                    && db.Deliveries.Where(d => d.MessageId == item.MessageId).All(d => d.Finished))
                {
                    db.Messages.Remove(item.MessageId);
                }

                done.Add(item.Id);
            }

            return new DeliveryResult(done, gone);
        });
        await Task.Yield();
        return delivered;
    }

    public override async Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var messages = database.Transaction<IReadOnlyList<StoredMessage>>(db =>
            mailbox == MailboxNames.Inbox && db.Inboxes.TryGetValue(userKey, out var inbox) ? [.. inbox] : []);
        await Task.Yield();
        return messages;
    }

    public override async Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default) =>
        (await ListMessagesAsync(userKey, mailbox, cancellationToken)).SingleOrDefault(m => m.Uid == uid);
}
