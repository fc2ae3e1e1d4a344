using Interchange.Storage.Changes;

namespace Interchange.Transport.Queue;

/// <summary>
/// A wake-up hint (ARCHITECTURE.md rule 2, seed Q184524): <see cref="Pulse"/> wakes every
/// waiting worker, and a worker also wakes by itself after its poll interval. Waking proves
/// nothing: a worker owns work only after claiming it in the store, so two workers woken by one
/// pulse race to claim, and one of them finds nothing. A pulse is the change feed's
/// <see cref="ChangeTopic.Queue"/> event named <paramref name="name"/>, so another node's feed can
/// carry it too.
/// </summary>
public sealed class QueueSignal(IChangeFeed? feed = null, string name = "queue")
{
    private readonly IChangeFeed _feed = feed ?? new InProcessChangeFeed();

    public void Pulse() => _feed.Publish(ChangeTopic.Queue, name);

    /// <summary>
    /// The pulses so far. A worker takes it before it looks for work and waits with it, so a pulse
    /// that came while it looked wakes it at once instead of after the poll (found by Coyote:
    /// QueueWorkTests).
    /// </summary>
    public long Version => _feed.Version(ChangeTopic.Queue, name);

    /// <summary>Returns at the next pulse, after <paramref name="poll"/>, or when cancelled (throws then).</summary>
    public Task WaitAsync(TimeSpan poll, CancellationToken cancellationToken) => WaitAsync(Version, poll, cancellationToken);

    /// <summary>Returns at once if there was a pulse after <paramref name="seen"/> (a <see cref="Version"/>), else as <see cref="WaitAsync(TimeSpan, CancellationToken)"/>.</summary>
    public async Task WaitAsync(long seen, TimeSpan poll, CancellationToken cancellationToken)
    {
        using var pollOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        pollOver.CancelAfter(poll); // cancels the wait itself, so no waiter is left behind on the feed
        try
        {
            await _feed.WaitAsync(ChangeTopic.Queue, name, seen, pollOver.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Poll: pick up deferred retries and lapsed leases even if nobody pulses.
        }
    }
}
