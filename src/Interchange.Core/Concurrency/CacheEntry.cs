namespace Interchange.Core.Concurrency;

/// <summary>
/// One entry of an <see cref="AtomicCache{TKey, TValue}"/>: a value computed at most once, a
/// generation number unique within its cache, and an invalidated flag that holders can check.
/// Holders keep the entry they were given; they never look it up again by key to use it.
/// </summary>
public sealed class CacheEntry<TValue>
    where TValue : class
{
    private readonly Lazy<Task<TValue>> _value;
    private int _invalidated;

    internal CacheEntry(long generation, Func<Task<TValue>> factory)
    {
        Generation = generation;
        _value = new Lazy<Task<TValue>>(factory, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public long Generation { get; }

    /// <summary>True once the entry has been invalidated: whatever it holds is stale.</summary>
    public bool IsInvalidated => Volatile.Read(ref _invalidated) != 0;

    /// <summary>True when the value has been computed successfully.</summary>
    public bool HasValue => _value.IsValueCreated && _value.Value.IsCompletedSuccessfully;

    internal Task<TValue> ValueTask => _value.Value;

    /// <summary>The computed value; throws if it is not computed yet.</summary>
    public TValue Value => HasValue ? _value.Value.Result : throw new InvalidOperationException("the cache entry has no value yet");

    internal bool MarkInvalidated() => Interlocked.Exchange(ref _invalidated, 1) == 0;
}
