using System.Text;
using Interchange.Storage.Directory;
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

    public async Task RunWorkerAsync(string owner, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var claimed = await queue.ClaimDeliveriesAsync(owner, local: true, options.ClaimBatch, options.Lease, cancellationToken).ConfigureAwait(false);
                if (claimed.Count == 0)
                {
                    await deliveries.WaitAsync(options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                foreach (var item in claimed)
                {
                    await DeliverAsync(item, owner, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Local delivery worker {Owner} failed; retrying", owner);
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

    /// <summary>The trace fields added at delivery (RFC 5321 4.4; Delivered-To as Postfix and Dovecot write it).</summary>
    public static byte[] TracePrefix(string mailFrom, string recipient) =>
        Encoding.UTF8.GetBytes($"Return-Path: <{mailFrom}>\r\nDelivered-To: {recipient}\r\n");

    private async Task DeliverAsync(DeliveryItem item, string owner, CancellationToken cancellationToken)
    {
        try
        {
            var user = await directory.GetUserAsync(item.Recipient, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                await queue.FailDeliveryAsync(item, owner, "5.1.1 the mailbox no longer exists", cancellationToken).ConfigureAwait(false);
                logger.LogWarning("Message {Id} to {Recipient} failed: the user was removed after the message was accepted", item.MessageId, item.Recipient);
                return;
            }

            var outcome = await queue.DeliverLocallyAsync(item, owner, TracePrefix(item.MailFrom, user.Address), cancellationToken).ConfigureAwait(false);
            if (outcome == DeliveryOutcome.ClaimLost)
            {
                logger.LogWarning("Delivery {Delivery} of message {Id}: claim lost (lease lapsed); left to its new owner", item.Id, item.MessageId);
                return;
            }

            logger.LogInformation("Message {Id} delivered to {Recipient} (attempt {Attempt})", item.MessageId, user.Address, item.Attempts);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var schedule = options.RetrySchedule;
            if (item.Attempts > schedule.Length)
            {
                await queue.FailDeliveryAsync(item, owner, "4.3.0 " + ex.Message, cancellationToken).ConfigureAwait(false);
                logger.LogError(ex, "Message {Id} to {Recipient} failed after {Attempts} attempts", item.MessageId, item.Recipient, item.Attempts);
            }
            else
            {
                var retryAt = _clock.GetUtcNow() + schedule[Math.Max(0, item.Attempts - 1)];
                await queue.DeferDeliveryAsync(item, owner, retryAt, ex.Message, cancellationToken).ConfigureAwait(false);
                logger.LogWarning(ex, "Message {Id} to {Recipient}: attempt {Attempt} failed, next at {RetryAt:u}", item.MessageId, item.Recipient, item.Attempts, retryAt);
            }
        }
    }
}
