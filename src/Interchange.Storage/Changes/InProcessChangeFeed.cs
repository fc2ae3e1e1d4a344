using System.Collections.Concurrent;

namespace Interchange.Storage.Changes;

/// <summary>
/// The change feed within one process: a version counter and a one-shot completion per
/// (topic, key). Lock-free; one small entry per key that ever changed or was waited on (as many
/// as users with mail, a handful of queues, one directory).
/// </summary>
public sealed class InProcessChangeFeed : IChangeFeed
{
    private readonly ConcurrentDictionary<(ChangeTopic Topic, string Key), Counter> _counters = new();

    /// <summary>Torture tests only: runs at each point where a publish and a wait interleave (randomised yields, rule 6).</summary>
    internal Action? Interleave { get; init; }

    public void Publish(ChangeTopic topic, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _counters.GetOrAdd((topic, key), static _ => new Counter()).Advance(Interleave);
    }

    public long Version(ChangeTopic topic, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _counters.TryGetValue((topic, key), out var counter) ? counter.Version : 0;
    }

    public async Task WaitAsync(ChangeTopic topic, string key, long seen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var counter = _counters.GetOrAdd((topic, key), static _ => new Counter());
        while (true)
        {
            // The completion is read before the version: a publish after this line either shows
            // in the version or completes this very task, so it cannot fall between the two.
            var next = counter.Next;
            Interleave?.Invoke();
            if (counter.Version > seen)
            {
                return;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Counter
    {
        private long _version;
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Version => Interlocked.Read(ref _version);

        public Task Next => Volatile.Read(ref _next).Task;

        public void Advance(Action? interleave)
        {
            // Version first, then the completion: a waiter woken by it finds the new version.
            Interlocked.Increment(ref _version);
            interleave?.Invoke();
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
