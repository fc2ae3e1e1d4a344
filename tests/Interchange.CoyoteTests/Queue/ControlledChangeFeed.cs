using Interchange.Storage.Changes;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// The change feed's contract (versions per topic and key; a wait returns once the version passes
/// what the caller saw) with one completion per waiter. The product's InProcessChangeFeed waits
/// with <c>Task.WaitAsync(CancellationToken)</c>, which Coyote 1.7 does not intercept: its
/// wake-ups came outside Coyote's schedule, and a trace that found a bug did not replay.
/// <see cref="WhenWaitingAsync"/> tells a test when every worker is asleep, the moment a poll
/// would be what wakes them.
/// </summary>
internal sealed class ControlledChangeFeed : IChangeFeed
{
    private readonly object _lock = new();
    private readonly Dictionary<(ChangeTopic, string), long> _versions = [];
    private readonly List<(ChangeTopic Topic, string Key, TaskCompletionSource Waiter)> _waiters = [];
    private (int Count, TaskCompletionSource Reached)? _watch;

    /// <summary>
    /// Wakes every waiter, for a test stopping its workers after cancelling their token. Waiters do
    /// not register on the token: a registration's disposal waits for a callback running on another
    /// thread, and Coyote may have paused that thread inside the callback, which no schedule undoes.
    /// </summary>
    public void WakeAll()
    {
        List<TaskCompletionSource> woken;
        lock (_lock)
        {
            woken = _waiters.Select(w => w.Waiter).ToList();
            _waiters.Clear();
        }

        foreach (var waiter in woken)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Completes when <paramref name="count"/> callers are waiting at once (at once if they are now).</summary>
    public Task WhenWaitingAsync(int count)
    {
        lock (_lock)
        {
            if (_waiters.Count >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watch = (count, reached);
            return reached.Task;
        }
    }

    public void Publish(ChangeTopic topic, string key)
    {
        List<TaskCompletionSource> woken;
        lock (_lock)
        {
            _versions[(topic, key)] = _versions.GetValueOrDefault((topic, key)) + 1;
            woken = _waiters.Where(w => w.Topic == topic && w.Key == key).Select(w => w.Waiter).ToList();
            _waiters.RemoveAll(w => w.Topic == topic && w.Key == key);
        }

        foreach (var waiter in woken)
        {
            waiter.TrySetResult();
        }
    }

    public long Version(ChangeTopic topic, string key)
    {
        lock (_lock)
        {
            return _versions.GetValueOrDefault((topic, key));
        }
    }

    public async Task WaitAsync(ChangeTopic topic, string key, long seen, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource? reached = null;
        lock (_lock)
        {
            if (_versions.GetValueOrDefault((topic, key)) > seen)
            {
                return;
            }

            _waiters.Add((topic, key, waiter));
            if (_watch is { } watch && _waiters.Count >= watch.Count)
            {
                (reached, _watch) = (watch.Reached, null);
            }
        }

        reached?.TrySetResult();
        try
        {
            await waiter.Task;
        }
        finally
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Waiter == waiter);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
