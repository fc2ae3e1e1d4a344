namespace Interchange.Core.Concurrency;

/// <summary>
/// One entry of an <see cref="AtomicCache{TKey, TValue}"/>: a value computed at most once, a
/// generation number unique within its cache, and an invalidated flag that holders can check.
/// Holders keep the entry they were given; they never look it up again by key to use it.
/// </summary>
public sealed class CacheEntry<TValue>
    where TValue : class
{
    private readonly Func<Task<TValue>> _factory;
    private readonly TaskCompletionSource<TValue> _value = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private int _invalidated;

    internal CacheEntry(long generation, Func<Task<TValue>> factory)
    {
        Generation = generation;
        _factory = factory;
    }

    public long Generation { get; }

    /// <summary>True once the entry has been invalidated: whatever it holds is stale.</summary>
    public bool IsInvalidated => Volatile.Read(ref _invalidated) != 0;

    /// <summary>True when the value has been computed successfully.</summary>
    public bool HasValue => _value.Task.IsCompletedSuccessfully;

    /// <summary>
    /// The value being computed. The first caller starts the computation and every caller awaits
    /// the same task; nobody waits on a lock for it (rule 1: Lazy would hold its lock while the
    /// factory starts, and a caller racing it would block a thread on that lock).
    /// </summary>
    internal Task<TValue> ValueTask
    {
        get
        {
            if (Interlocked.CompareExchange(ref _started, 1, 0) == 0)
            {
                _ = ComputeAsync();
            }

            return _value.Task;
        }
    }

    /// <summary>The computed value; throws if it is not computed yet.</summary>
    public TValue Value => HasValue ? _value.Task.Result : throw new InvalidOperationException("the cache entry has no value yet");

    internal bool MarkInvalidated() => Interlocked.Exchange(ref _invalidated, 1) == 0;

    private async Task ComputeAsync()
    {
        try
        {
            _value.TrySetResult(await _factory().ConfigureAwait(false));
        }
        catch (OperationCanceledException ex)
        {
            _value.TrySetCanceled(ex.CancellationToken);
        }
        catch (Exception ex)
        {
            _value.TrySetException(ex);
        }
    }
}
