namespace Interchange.Transport.Queue;

/// <summary>
/// A wake-up hint (ARCHITECTURE.md rule 2, seed Q184524): <see cref="Pulse"/> wakes every
/// waiting worker, and a worker also wakes by itself after its poll interval. Waking proves
/// nothing: a worker owns work only after claiming it in the store, so two workers woken by one
/// pulse race to claim, and one of them finds nothing.
/// </summary>
public sealed class QueueSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Returns at the next pulse, after <paramref name="poll"/>, or when cancelled (throws then).</summary>
    public async Task WaitAsync(TimeSpan poll, CancellationToken cancellationToken)
    {
        var pulse = Volatile.Read(ref _next).Task;
        try
        {
            await pulse.WaitAsync(poll, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Poll: pick up deferred retries and lapsed leases even if nobody pulses.
        }
    }
}
