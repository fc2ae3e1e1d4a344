using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Bounces;

/// <summary>
/// The bounce step (issue 10 point 4): turns a message's failed deliveries into one delivery
/// status notification to its envelope sender, from the null reverse-path, queued by
/// <see cref="IQueueStore.ReportAsync"/> in the transaction that marks the failures reported.
/// Never a bounce of a bounce: a failed DSN (null sender) is settled without one and logged, so
/// an undeliverable DSN is dropped after its own schedule (<c>Transport:BounceQueueLifetime</c>).
/// Any number of workers may run, woken by the same pulse: they race in the store, where one
/// report wins and the others queue nothing (rule 2).
/// </summary>
/// <param name="failures">Pulsed by whoever fails a delivery (connectors, <c>queue bounce</c>); a poll finds the rest.</param>
/// <param name="categorizer">Pulsed when a DSN is queued, so it is routed at once.</param>
/// <remarks>
/// With <c>Transport:DelayWarningAfter</c> set, it also sends each message's sender one "delayed"
/// DSN (RFC 3464 action delayed) once the message is that old and recipients are still being
/// retried, as Postfix's <c>delay_warning_time</c>; at most one per message, by the store's
/// <see cref="IQueueStore.WarnDelayAsync"/>.
/// </remarks>
public sealed class BounceGenerator(
    IQueueStore queue,
    IMessageContentStore contents,
    DsnBuilder builder,
    QueueSignal failures,
    QueueSignal categorizer,
    TransportOptions options,
    ILogger<BounceGenerator> logger,
    TimeProvider? clock = null)
{
    public int Workers => options.BounceWorkers;

    /// <summary>Reports failures until cancelled; <paramref name="worker"/> of <paramref name="workers"/> picks where in what it finds to start, so workers seldom build the same DSN.</summary>
    public async Task RunWorkerAsync(int worker, int workers, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var seen = failures.Version; // before looking: a pulse during the look is not lost
                if (await RunOnceAsync(worker, workers, cancellationToken).ConfigureAwait(false) == 0)
                {
                    await failures.WaitAsync(seen, options.PollInterval, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Bounce worker {Worker} failed; retrying", worker);
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

    /// <summary>One look for unreported failures (and delays to warn of); returns how many messages this worker reported (others may have won the rest).</summary>
    public async Task<int> RunOnceAsync(int worker = 0, int workers = 1, CancellationToken cancellationToken = default)
    {
        var found = await queue.FindUnreportedAsync(options.ClaimBatch, cancellationToken).ConfigureAwait(false);
        var reported = 0;
        var start = workers <= 1 || found.Count == 0 ? 0 : (int)((long)worker * found.Count / workers);
        for (var i = 0; i < found.Count; i++)
        {
            var message = found[(start + i) % found.Count];
            try
            {
                if ((await ReportAsync(message, cancellationToken).ConfigureAwait(false)).Reported)
                {
                    reported++;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // One message that cannot be reported (its content unreadable) must not stop the rest; it is found again at the next poll.
                logger.LogError(ex, "DSN for message {Id} failed; retrying later", message.MessageId);
            }
        }

        if (options.DelayWarningAfter is { } after)
        {
            var delayed = await queue.FindDelayedAsync((clock ?? TimeProvider.System).GetUtcNow() - after, options.ClaimBatch, cancellationToken).ConfigureAwait(false);
            start = workers <= 1 || delayed.Count == 0 ? 0 : (int)((long)worker * delayed.Count / workers);
            for (var i = 0; i < delayed.Count; i++)
            {
                var message = delayed[(start + i) % delayed.Count];
                try
                {
                    if ((await WarnAsync(message, cancellationToken).ConfigureAwait(false)).Reported)
                    {
                        reported++;
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "Delay DSN for message {Id} failed; retrying later", message.MessageId);
                }
            }
        }

        return reported;
    }

    /// <summary>Builds and queues the "delayed" DSN for one message (or records that none is wanted), at most once per message.</summary>
    public async Task<FailureReport> WarnAsync(DelayedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var until = message.ReceivedAt + options.MaximalQueueLifetime;
        var recipients = message.Delayed.Select(d => Recipient(d, DsnAction.Delayed) with { WillRetryUntil = until }).ToList();
        DsnResult result;
        await using (var content = contents.Open(message.Blob))
        {
            result = await builder.BuildAsync(new DsnRequest(message.Envelope, message.ReceivedAt, content, recipients), cancellationToken).ConfigureAwait(false);
        }

        var delayed = string.Join(", ", message.Delayed.Select(d => $"<{d.Recipient}> ({d.LastReply})"));
        if (!result.IsBuilt)
        {
            var none = await queue.WarnDelayAsync(message.MessageId, null, null, cancellationToken).ConfigureAwait(false);
            if (none.Reported)
            {
                logger.LogInformation("Delay DSN for message {Id} not sent: {Reason}; delayed {Delayed}", message.MessageId, Why(result.Skipped), delayed);
            }

            return none;
        }

        var bytes = result.Content!;
        var done = await queue.WarnDelayAsync(message.MessageId, new StagedContent(new BlobRef(BlobId.Of(bytes), bytes.Length), bytes), result.Envelope, cancellationToken).ConfigureAwait(false);
        if (done.Reported)
        {
            categorizer.Pulse();
            TransportMetrics.BouncesSent.Add(1, new KeyValuePair<string, object?>("action", "delayed"));
            logger.LogInformation("Delay DSN {DsnId} for message {Id} queued to <{Sender}>: delayed {Delayed}", done.DsnId, message.MessageId, message.Envelope.MailFrom, delayed);
        }

        return done;
    }

    /// <summary>Builds and queues the DSN for one message's failures (or settles them without one), in one store transaction.</summary>
    public async Task<FailureReport> ReportAsync(UnreportedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var recipients = message.Failures.Select(f => Recipient(f, DsnAction.Failed)).ToList();
        DsnResult result;
        await using (var content = contents.Open(message.Blob))
        {
            result = await builder.BuildAsync(new DsnRequest(message.Envelope, message.ReceivedAt, content, recipients), cancellationToken).ConfigureAwait(false);
        }

        var failed = string.Join(", ", message.Failures.Select(f => $"<{f.Recipient}> ({f.LastReply})"));
        if (!result.IsBuilt)
        {
            var report = await queue.ReportAsync(message, null, null, cancellationToken).ConfigureAwait(false);
            if (report.Reported)
            {
                logger.LogWarning("DSN for message {Id} dropped: {Reason}; sender <{Sender}>, failed {Failed}", message.MessageId, Why(result.Skipped), message.Envelope.MailFrom, failed);
            }

            return report;
        }

        foreach (var warning in result.Warnings)
        {
            logger.LogWarning("DSN for message {Id}: {Warning}", message.MessageId, warning);
        }

        var bytes = result.Content!;
        var dsn = new StagedContent(new BlobRef(BlobId.Of(bytes), bytes.Length), bytes);
        var done = await queue.ReportAsync(message, dsn, result.Envelope, cancellationToken).ConfigureAwait(false);
        if (done.Reported)
        {
            categorizer.Pulse();
            TransportMetrics.BouncesSent.Add(1, new KeyValuePair<string, object?>("action", "failed"));
            logger.LogInformation(
                "DSN {DsnId} for message {Id} queued to <{Sender}>: failed {Failed}{Removed}",
                done.DsnId,
                message.MessageId,
                message.Envelope.MailFrom,
                failed,
                done.OriginalRemoved ? "; message removed from the queue" : string.Empty);
        }
        else
        {
            logger.LogDebug("DSN for message {Id} not queued: another worker reported its failures first", message.MessageId);
        }

        return done;
    }

    private static string Why(DsnSkipReason reason) => reason switch
    {
        DsnSkipReason.NullSender => "the message is itself a DSN (null sender), never a bounce of a bounce",
        DsnSkipReason.NotRequested => "no recipient asked for one (NOTIFY)",
        DsnSkipReason.InvalidSender => "the sender address cannot be written in a header",
        _ => reason.ToString(),
    };

    /// <summary>A delivery as the report gives it: a remote server's reply as its diagnostic, else ours as the reason.</summary>
    internal static DsnRecipient Recipient(ReportableDelivery failure, DsnAction action)
    {
        var remote = RemoteMtaName(failure.RemoteMta);
        return new DsnRecipient(failure.Recipient, action)
        {
            Notify = failure.Notify,
            OriginalRecipient = failure.OriginalRecipient,
            Status = EnhancedStatus(failure.LastReply),
            RemoteMta = remote,
            RemoteReply = remote is null ? null : failure.LastReply,
            Reason = remote is null ? failure.LastReply : null,
            LastAttempt = failure.LastAttempt,
        };
    }

    /// <summary>
    /// The enhanced status code (RFC 3463) in a reply: after the three-digit code of a server's
    /// reply (RFC 2034 3: "550 5.1.1 ..."), or first in our own ("5.1.1 the mailbox no longer exists").
    /// </summary>
    internal static string? EnhancedStatus(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply))
        {
            return null;
        }

        var text = reply.TrimStart();
        if (text.Length >= 4 && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]) && text[3] is ' ' or '-')
        {
            text = text[4..];
        }

        var end = text.IndexOfAny([' ', '\r', '\n', '\t']);
        var first = end < 0 ? text : text[..end];
        return DsnFields.IsEnhancedStatus(first) ? first : null;
    }

    /// <summary>
    /// The name Remote-MTA gives (RFC 3464 2.3.5, type dns): "mx.example.net" of the connector's
    /// "mx.example.net[192.0.2.1]"; the address literal when there is no name.
    /// </summary>
    internal static string? RemoteMtaName(string? remote)
    {
        if (string.IsNullOrWhiteSpace(remote))
        {
            return null;
        }

        var bracket = remote.IndexOf('[', StringComparison.Ordinal);
        return bracket > 0 ? remote[..bracket] : remote;
    }
}
