using System.Text;
using Interchange.Storage.Accounts;
using Interchange.Storage.Queue;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Delivery;

/// <summary>
/// Local delivery (ARCHITECTURE.md section 3, step 4): claims pending local deliveries and
/// appends each to the recipient's INBOX with <c>Return-Path:</c> and <c>Delivered-To:</c>
/// prepended. The append is keyed by (message, recipient) in the same transaction that marks the
/// delivery done, so however often an item is retried, after a crash or a lapsed lease, the
/// mailbox holds one copy.
/// </summary>
public sealed class LocalDelivery(IQueueStore queue, IDirectoryStore directory, QueueSignal deliveries, TransportOptions options, ILogger<LocalDelivery> logger, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>
    /// Works one partition of the pending local deliveries: reads them, checks each recipient
    /// still exists, then appends the whole batch in one transaction that takes each item only if
    /// it is still pending and unclaimed (rule 2), so a retry or a second worker adds no copy.
    /// </summary>
    public async Task RunWorkerAsync(int partition, int partitions, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var found = await queue.FindPendingLocalAsync(partition, partitions, options.ClaimBatch, cancellationToken).ConfigureAwait(false);
                if (found.Count == 0)
                {
                    await deliveries.WaitAsync(options.PollInterval, cancellationToken).ConfigureAwait(false);
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

    private async Task DeliverBatchAsync(IReadOnlyList<DeliveryItem> found, CancellationToken cancellationToken)
    {
        var ready = new List<(DeliveryItem, byte[])>(found.Count);
        var gone = new List<long>();
        foreach (var item in found)
        {
            var user = await directory.GetUserAsync(item.Recipient, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                gone.Add(item.Id);
                logger.LogWarning("Message {Id} to {Recipient} failed: the user was removed after the message was accepted", item.MessageId, item.Recipient);
            }
            else
            {
                ready.Add((item, TracePrefix(item.MailFrom, user.Address)));
            }
        }

        if (gone.Count > 0)
        {
            await queue.SetPendingOutcomeAsync(gone, _clock.GetUtcNow(), "5.1.1 the mailbox no longer exists", fail: true, cancellationToken).ConfigureAwait(false);
        }

        if (ready.Count == 0)
        {
            return;
        }

        try
        {
            var delivered = await queue.DeliverPendingLocallyAsync(ready, cancellationToken).ConfigureAwait(false);
            foreach (var (item, _) in ready.Where(r => delivered.Contains(r.Item1.Id)))
            {
                logger.LogInformation("Message {Id} delivered to {Recipient} (attempt {Attempt})", item.MessageId, item.Recipient, item.Attempts);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The batch's transaction did not commit: nothing was delivered. Retry on the schedule.
            var schedule = options.RetrySchedule;
            var attempts = ready.Max(r => r.Item1.Attempts);
            var fail = attempts > schedule.Length;
            var retryAt = _clock.GetUtcNow() + schedule[Math.Clamp(attempts - 1, 0, schedule.Length - 1)];
            await queue.SetPendingOutcomeAsync(ready.Select(r => r.Item1.Id).ToList(), retryAt, "4.3.0 " + ex.Message, fail, cancellationToken).ConfigureAwait(false);
            logger.LogError(ex, "Local delivery of {Count} item(s) failed (attempt {Attempt}); {Next}", ready.Count, attempts, fail ? "giving up" : $"next at {retryAt:u}");
        }
    }

    /// <summary>The trace fields added at delivery (RFC 5321 4.4; Delivered-To as Postfix and Dovecot write it).</summary>
    public static byte[] TracePrefix(string mailFrom, string recipient) =>
        Encoding.UTF8.GetBytes($"Return-Path: <{mailFrom}>\r\nDelivered-To: {recipient}\r\n");
}
