using System.Diagnostics;
using System.Threading.Channels;
using Interchange.Storage.Queue;
using Interchange.Transport.Bounces;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Connectors;

/// <summary>
/// The part every remote connector (SMTP, a gateway) shares: workers that own their work by a
/// claim in the store (rule 2, seed Q184524) and record each attempt's outcome under it.
/// <para>
/// A worker claims one (message, recipient domain) batch: one atomic statement moves its items to
/// "in flight" under a new fence and a lease, so of any number of workers woken for the same
/// message exactly one gets it. The route is looked up once per attempt
/// (<see cref="RoutingTable.ForAttempt"/>: a route change applies to the next attempt, never to
/// one in flight). While the attempt runs the lease is renewed; if a renewal finds the claim gone
/// (the lease lapsed and another worker may have taken the items, or an administrator deleted
/// them) the attempt is cancelled. Outcomes are recorded only under the claim's fence and a live
/// lease, so a worker that stalled past its lease cannot overwrite the next attempt's outcome.
/// Temporary failures go on <see cref="RetrySchedule"/>; past the message's lifetime they fail
/// with 4.4.7 and the bounce step reports them.
/// </para>
/// </summary>
public abstract class ClaimingConnector : IDeliveryConnector
{
    /// <summary>Batches one claim takes for idle workers at most.</summary>
    private const int MaxHandOver = 16;

    private readonly IQueueStore _queue;
    private readonly QueueSignal _deliveries;
    private readonly QueueSignal? _failures;
    private readonly RetrySchedule _schedule;
    private readonly TransportOptions _options;
    private readonly ClaimingOptions _claiming;
    private readonly TimeProvider _clock;

    /// <summary>Batches one worker claimed for others, and (null) turns to claim.</summary>
    private readonly Channel<DeliveryBatch?> _handed = Channel.CreateUnbounded<DeliveryBatch?>();
    private int _claimer;
    private int _idle;

    protected ClaimingConnector(string name, IQueueStore queue, RoutingTable routes, QueueSignal deliveries, QueueSignal? failures, TransportOptions options, ClaimingOptions claiming, ILogger logger, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(claiming);
        ArgumentOutOfRangeException.ThrowIfLessThan(claiming.Workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(claiming.Lease, TimeSpan.FromSeconds(1));
        ArgumentException.ThrowIfNullOrEmpty(claiming.Node);
        Name = name;
        _queue = queue;
        Routes = routes;
        _deliveries = deliveries;
        _failures = failures;
        _options = options;
        _claiming = claiming;
        Logger = logger;
        _clock = clock ?? TimeProvider.System;
        _schedule = new RetrySchedule(options, clock: _clock);
    }

    public string Name { get; }

    public int Workers => _claiming.Workers;

    protected RoutingTable Routes { get; }

    protected ILogger Logger { get; }

    protected TimeProvider Clock => _clock;

    /// <summary>Attempts one claimed batch under <paramref name="route"/>: a result for each of its items (missing ones are deferred).</summary>
    /// <param name="cancellationToken">Cancelled at shutdown or when the claim was lost: stop at once; nothing is recorded then.</param>
    protected abstract Task<IReadOnlyList<AttemptResult>> DeliverAsync(DeliveryBatch batch, RouteDecision route, CancellationToken cancellationToken);

    /// <remarks>
    /// One worker at a time claims (the claimer), as many batches as workers are idle plus its own,
    /// and hands the others over; the idle workers wait for a handed batch, not for the pulse, so a
    /// pulse per message wakes one worker, not all of them (each of thirty idle workers asking the
    /// store once per message cost more than the delivery: bench/RESULTS.md, 2026-12-02). With the
    /// batches the claimer hands over a turn to claim, so another idle worker takes over while it
    /// is busy sending. Ownership is still the claim's alone: two claimers at once (never, but a
    /// pulse is only a hint) would still get different items.
    /// </remarks>
    public async Task RunWorkerAsync(int partition, int partitions, CancellationToken cancellationToken)
    {
        var owner = $"{_claiming.Node}/{Name}/{partition}";
        var recording = Task.CompletedTask;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (_handed.Reader.TryRead(out var handed) && handed is not null)
                    {
                        recording = await SendAsync(handed, recording, partition, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    if (Interlocked.CompareExchange(ref _claimer, 1, 0) != 0)
                    {
                        // Another worker claims: wait for what it hands over (or a turn), at most a poll.
                        Interlocked.Increment(ref _idle);
                        try
                        {
                            await WaitHandedAsync(cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            Interlocked.Decrement(ref _idle);
                        }

                        continue;
                    }

                    IReadOnlyList<DeliveryBatch> batches;
                    try
                    {
                        var seen = _deliveries.Version; // before looking: a pulse during an empty look is not lost
                        var want = Math.Clamp(Volatile.Read(ref _idle) + 1, 1, MaxHandOver);
                        batches = await _queue.ClaimAsync(Name, owner, want, _claiming.Lease, cancellationToken: cancellationToken).ConfigureAwait(false);
                        if (batches.Count == 0)
                        {
                            await _deliveries.WaitAsync(seen, _options.PollInterval, cancellationToken).ConfigureAwait(false);
                            continue;
                        }
                    }
                    finally
                    {
                        Volatile.Write(ref _claimer, 0);
                    }

                    foreach (var extra in batches.Skip(1))
                    {
                        _handed.Writer.TryWrite(extra);
                    }

                    _handed.Writer.TryWrite(null); // a turn to claim, while this worker sends
                    recording = await SendAsync(batches[0], recording, partition, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // The store was unavailable, say: what was claimed is due again when its lease lapses.
                    Logger.LogError(ex, "{Connector} worker {Partition} failed; retrying", Name, partition);
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), _clock, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            // The last outcome is recorded before the worker stops (the peer may have the message).
            await AwaitRecordingAsync(recording, partition).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one batch; returns its recording, after waiting for the previous one (at most one outstanding).</summary>
    private async Task<Task> SendAsync(DeliveryBatch batch, Task previous, int partition, CancellationToken cancellationToken)
    {
        var next = await StartAttemptAsync(batch, cancellationToken).ConfigureAwait(false);
        await AwaitRecordingAsync(previous, partition).ConfigureAwait(false);
        return next;
    }

    private async Task WaitHandedAsync(CancellationToken cancellationToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        poll.CancelAfter(_options.PollInterval);
        try
        {
            await _handed.Reader.WaitToReadAsync(poll.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll: look again (and maybe claim).
        }
    }

    /// <summary>
    /// One attempt of a claimed batch, from the route lookup to the recorded outcomes; returns the
    /// outcomes the store accepted (empty when the claim was lost, or at shutdown before an answer).
    /// </summary>
    public async Task<IReadOnlyList<DeliveryOutcome>> AttemptAsync(DeliveryBatch batch, CancellationToken cancellationToken) =>
        await (await StartAttemptAsync(batch, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>
    /// Runs the attempt and starts recording its outcomes; returns when the peer has answered, with
    /// the recording still under way (the task), so the worker can claim and send its next batch
    /// while the outcome's commit waits for the group commit. The worker keeps at most one such
    /// task and waits for it before the next.
    /// </summary>
    private async Task<Task<IReadOnlyList<DeliveryOutcome>>> StartAttemptAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var route = Routes.ForAttempt(batch.Domain, Name);
        var started = Stopwatch.GetTimestamp();
        TransportMetrics.Attempts.Add(batch.Items.Count, new KeyValuePair<string, object?>("connector", Name));
        IReadOnlyList<AttemptResult> results;
        using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var keeper = KeepLeaseAsync(batch, attempt);
            try
            {
                results = await DeliverAsync(batch, route, attempt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (attempt.IsCancellationRequested)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                // The claim was lost (logged by the keeper): whatever happened is not ours to record.
                return Task.FromResult<IReadOnlyList<DeliveryOutcome>>([]);
            }
            catch (Exception ex)
            {
                Logger.LogError(ex, "{Connector}: attempt for message {Id} to {Domain} failed", Name, batch.MessageId, batch.Domain);
                results = batch.Items.Select(i => AttemptResult.Deferred(i, "451 4.3.0 " + ex.Message.ReplaceLineEndings(" "))).ToList();
            }
            finally
            {
                await attempt.CancelAsync().ConfigureAwait(false);
                await keeper.ConfigureAwait(false);
            }
        }

        return RecordAsync(batch, results, started);
    }

    private async Task<IReadOnlyList<DeliveryOutcome>> RecordAsync(DeliveryBatch batch, IReadOnlyList<AttemptResult> results, long started)
    {
        var byItem = results.ToDictionary(r => r.Item.Id);
        var outcomes = batch.Items
            .Select(item => ToOutcome(batch, byItem.TryGetValue(item.Id, out var result) ? result : AttemptResult.Deferred(item, "451 4.3.0 no result from the connector")))
            .ToList();

        // Recorded whatever the token says: the peer may have the message, and an outcome lost to a
        // shutdown here would send it again after the lease.
        var recorded = (await _queue.RecordOutcomeAsync(outcomes, CancellationToken.None).ConfigureAwait(false)).ToHashSet();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var accepted = new List<DeliveryOutcome>(outcomes.Count);
        foreach (var (outcome, result) in outcomes.Select(o => (o, byItem.GetValueOrDefault(o.Item.Id))))
        {
            if (!recorded.Contains(outcome.Item.Id))
            {
                TransportMetrics.StaleOutcomes.Add(1, new KeyValuePair<string, object?>("connector", Name));
                Logger.LogWarning("{Connector}: message {Id} to {Recipient}: outcome {Kind} not recorded: the claim had lapsed or the item was changed by an administrator ({Reply})", Name, outcome.Item.MessageId, outcome.Item.Recipient, outcome.Kind, outcome.Reply);
                continue;
            }

            accepted.Add(outcome);
            Log(batch, outcome, result?.RemoteMta, result?.Tls, elapsed);
        }

        if (_failures is not null && accepted.Any(o => o.Kind == DeliveryOutcomeKind.Failed))
        {
            _failures.Pulse();
        }

        return accepted;
    }

    private async Task AwaitRecordingAsync(Task recording, int partition)
    {
        try
        {
            await recording.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The store refused the commit: the items are due again when their lease lapses (and
            // may be sent again then: the outcome is what was lost).
            Logger.LogError(ex, "{Connector} worker {Partition}: recording outcomes failed", Name, partition);
        }
    }

    private DeliveryOutcome ToOutcome(DeliveryBatch batch, AttemptResult result)
    {
        var item = result.Item;
        var reply = result.Reply.ReplaceLineEndings(" ");
        if (result.Kind != DeliveryOutcomeKind.Deferred)
        {
            return new DeliveryOutcome(item, result.Kind, reply) { RemoteMta = result.RemoteMta };
        }

        var isDsn = string.IsNullOrEmpty(batch.Envelope.MailFrom);
        var decision = _schedule.AfterFailure(batch.ReceivedAt, item.Attempts, isDsn);
        if (result.RetryAt is { } at && !decision.Expired)
        {
            decision = decision with { NextAttempt = at < decision.ExpiresAt ? at : decision.ExpiresAt };
        }

        return decision.Expired
            ? new DeliveryOutcome(item, DeliveryOutcomeKind.Failed, $"{RetrySchedule.ExpiredStatus} {RetrySchedule.ExpiredReason}; last reply: {reply}") { RemoteMta = result.RemoteMta }
            : new DeliveryOutcome(item, DeliveryOutcomeKind.Deferred, reply, decision.NextAttempt) { RemoteMta = result.RemoteMta };
    }

    private void Log(DeliveryBatch batch, DeliveryOutcome outcome, string? remoteMta, string? tls, TimeSpan elapsed)
    {
        var expired = outcome.Kind == DeliveryOutcomeKind.Failed && outcome.Reply.StartsWith(RetrySchedule.ExpiredStatus + " ", StringComparison.Ordinal);
        var kind = expired ? "expired" : outcome.Kind.ToString().ToLowerInvariant();
        TransportMetrics.Outcomes.Add(1,
            new KeyValuePair<string, object?>("connector", Name),
            new KeyValuePair<string, object?>("outcome", kind),
            new KeyValuePair<string, object?>("reason", TransportMetrics.Reason(outcome.Reply)));
        var item = outcome.Item;
        var relay = tls is null ? remoteMta ?? "none" : $"{remoteMta ?? "none"} {tls}";
        switch (outcome.Kind)
        {
            case DeliveryOutcomeKind.Delivered:
                TransportMetrics.Delivered(Name, item.ReceivedAt, _clock.GetUtcNow());
                Logger.LogInformation("{Connector}: message {Id} from <{From}> to <{Recipient}> delivered via {Relay} (attempt {Attempt}, {Elapsed:F2} s): {Reply}", Name, item.MessageId, batch.Envelope.MailFrom, item.Recipient, relay, item.Attempts, elapsed.TotalSeconds, outcome.Reply);
                break;
            case DeliveryOutcomeKind.Deferred:
                Logger.LogWarning("{Connector}: message {Id} from <{From}> to <{Recipient}> deferred via {Relay} (attempt {Attempt}), next at {Next:u}: {Reply}", Name, item.MessageId, batch.Envelope.MailFrom, item.Recipient, relay, item.Attempts, outcome.RetryAt, outcome.Reply);
                break;
            default:
                Logger.LogWarning("{Connector}: message {Id} from <{From}> to <{Recipient}> {Outcome} via {Relay} (attempt {Attempt}): {Reply}", Name, item.MessageId, batch.Envelope.MailFrom, item.Recipient, expired ? "expired" : "failed", relay, item.Attempts, outcome.Reply);
                break;
        }
    }

    /// <summary>Renews the batch's lease every third of it until the attempt ends; cancels the attempt if the claim is lost.</summary>
    private async Task KeepLeaseAsync(DeliveryBatch batch, CancellationTokenSource attempt)
    {
        var every = _claiming.Lease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, _clock, attempt.Token).ConfigureAwait(false);
                var renewed = await _queue.RenewLeaseAsync(batch.Items, _claiming.Lease, attempt.Token).ConfigureAwait(false);
                if (renewed.Count < batch.Items.Count)
                {
                    Logger.LogWarning("{Connector}: message {Id} to {Domain}: the claim was lost (lease lapsed or changed by an administrator); stopping the attempt", Name, batch.MessageId, batch.Domain);
                    await attempt.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The attempt ended.
        }
        catch (Exception ex)
        {
            // The store is unreachable: the attempt goes on; if the lease lapses, its outcome is refused.
            Logger.LogWarning(ex, "{Connector}: renewing the lease of message {Id} failed", Name, batch.MessageId);
        }
    }
}
