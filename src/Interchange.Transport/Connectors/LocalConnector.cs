using System.Text;
using Interchange.Storage.Accounts;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Connectors;

/// <summary>
/// The local connector (ARCHITECTURE.md section 3, step 4): delivers pending items routed to
/// <see cref="ConnectorName"/> into the recipient's INBOX with <c>Return-Path:</c> and
/// <c>Delivered-To:</c> prepended, through the mail store's <see cref="IMailStore.DeliverAsync"/>,
/// which completes the queue items in the same transaction, keyed by (message, recipient): however
/// often an item is retried, after a crash or by a second worker, the mailbox holds one copy.
/// Work is partitioned by destination, so one worker serves a mailbox, in acceptance order.
/// </summary>
/// <param name="failures">Pulsed when a recipient fails for good, so the bounce step reports it at once (else its poll does).</param>
public sealed class LocalConnector(IQueueStore queue, IMailStore mail, IDirectoryStore directory, QueueSignal deliveries, TransportOptions options, ILogger<LocalConnector> logger, TimeProvider? clock = null, QueueSignal? failures = null) : IDeliveryConnector
{
    /// <summary>The name routes to local mailboxes carry.</summary>
    public const string ConnectorName = "local";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public string Name => ConnectorName;

    public int Workers => options.LocalDeliveryWorkers;

    /// <summary>
    /// Works one partition of the pending local deliveries: reads them, checks each recipient
    /// still exists, then delivers the batch in one transaction that takes each item only if it
    /// is still pending with the fence it was found with (rule 2), so a retry or a second worker
    /// adds no copy.
    /// </summary>
    public async Task RunWorkerAsync(int partition, int partitions, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var seen = deliveries.Version; // before looking: a pulse during an empty look is not lost
                var found = await queue.FindPendingAsync(ConnectorName, partition, partitions, options.ClaimBatch, cancellationToken).ConfigureAwait(false);
                if (found.Count == 0)
                {
                    await deliveries.WaitAsync(seen, options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await DeliverBatchAsync(found, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Local delivery worker {Partition} failed; retrying", partition);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Delivers items found in the queue (in the order given, which is acceptance order); returns the ids delivered.</summary>
    public async Task<IReadOnlyList<long>> DeliverBatchAsync(IReadOnlyList<DeliveryItem> found, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(found);
        var ready = new List<MailboxDelivery>(found.Count);
        var gone = new List<DeliveryItem>();
        var users = new Dictionary<string, UserRecord?>(StringComparer.Ordinal); // a batch is often one mailbox's
        foreach (var item in found)
        {
            if (!users.TryGetValue(item.Recipient, out var user))
            {
                user = users[item.Recipient] = await directory.GetUserAsync(item.Recipient, cancellationToken).ConfigureAwait(false);
            }

            if (user is null)
            {
                gone.Add(item);
                LogGone(item);
            }
            else
            {
                ready.Add(new MailboxDelivery(item, TracePrefix(item.MailFrom, user.Address)));
            }
        }

        // The common case, answered early; the store checks again in the delivery's transaction
        // (a user removed after this look is caught there), which is what guarantees it.
        if (gone.Count > 0)
        {
            if ((await queue.SetPendingOutcomeAsync(gone, _clock.GetUtcNow(), DeliveryResult.RecipientGoneError, fail: true, cancellationToken).ConfigureAwait(false)).Count > 0)
            {
                failures?.Pulse();
            }
        }

        if (ready.Count == 0)
        {
            return [];
        }

        try
        {
            return Delivered(ready, await mail.DeliverAsync(ready, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ready.Count > 1)
        {
            // The batch's transaction did not commit: nothing was delivered. One item may be what
            // failed (or the store was down for a moment): deliver each alone, so every item gets
            // its own outcome from its own attempts and a poison item fails only itself.
            logger.LogWarning(ex, "Local delivery of a batch of {Count} failed; delivering its items one at a time", ready.Count);
            var delivered = new List<long>(ready.Count);
            foreach (var one in ready)
            {
                delivered.AddRange(await DeliverOneAsync(one, cancellationToken).ConfigureAwait(false));
            }

            return delivered;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await DeferAsync(ready[0].Item, ex, cancellationToken).ConfigureAwait(false);
            return [];
        }
    }

    private async Task<IReadOnlyList<long>> DeliverOneAsync(MailboxDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            return Delivered([delivery], await mail.DeliverAsync([delivery], cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await DeferAsync(delivery.Item, ex, cancellationToken).ConfigureAwait(false);
            return [];
        }
    }

    private IReadOnlyList<long> Delivered(IReadOnlyList<MailboxDelivery> ready, DeliveryResult result)
    {
        if (result.RecipientGone.Count > 0)
        {
            failures?.Pulse();
        }

        foreach (var item in ready.Select(r => r.Item))
        {
            if (result.Delivered.Contains(item.Id))
            {
                Count("delivered", "2.0");
                TransportMetrics.Delivered(ConnectorName, item.ReceivedAt, _clock.GetUtcNow());
                logger.LogInformation("Message {Id} delivered to {Recipient} (attempt {Attempt})", item.MessageId, item.Recipient, item.Attempts);
            }
            else if (result.RecipientGone.Contains(item.Id))
            {
                LogGone(item);
            }
        }

        return result.Delivered;
    }

    /// <summary>The same outcome counter the remote connectors feed, so delivered/deferred/failed add up across connectors.</summary>
    private static void Count(string outcome, string reason) =>
        TransportMetrics.Outcomes.Add(1,
            new KeyValuePair<string, object?>("connector", ConnectorName),
            new KeyValuePair<string, object?>("outcome", outcome),
            new KeyValuePair<string, object?>("reason", reason));

    private static void LogGone(DeliveryItem item, ILogger logger)
    {
        Count("failed", "5.1");
        logger.LogWarning("Message {Id} to {Recipient} failed: the user was removed after the message was accepted", item.MessageId, item.Recipient);
    }

    private void LogGone(DeliveryItem item) => LogGone(item, logger);

    /// <summary>An attempt that did not commit: retry on the schedule, from this item's own attempts; give up past its end.</summary>
    private async Task DeferAsync(DeliveryItem item, Exception error, CancellationToken cancellationToken)
    {
        var schedule = options.RetrySchedule;
        var fail = item.Attempts > schedule.Length;
        var retryAt = _clock.GetUtcNow() + schedule[Math.Clamp(item.Attempts - 1, 0, schedule.Length - 1)];
        if ((await queue.SetPendingOutcomeAsync([item], retryAt, "4.3.0 " + error.Message, fail, cancellationToken).ConfigureAwait(false)).Count > 0 && fail)
        {
            failures?.Pulse();
        }

        Count(fail ? "failed" : "deferred", "4.3");
        logger.LogError(error, "Local delivery of message {Id} to {Recipient} failed (attempt {Attempt}); {Next}", item.MessageId, item.Recipient, item.Attempts, fail ? "giving up" : $"next at {retryAt:u}");
    }

    /// <summary>The trace fields added at delivery (RFC 5321 4.4; Delivered-To as Postfix and Dovecot write it).</summary>
    public static byte[] TracePrefix(string mailFrom, string recipient) =>
        Encoding.UTF8.GetBytes($"Return-Path: <{mailFrom}>\r\nDelivered-To: {recipient}\r\n");
}
