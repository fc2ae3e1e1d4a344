using System.Collections.Concurrent;

namespace Interchange.Core.Concurrency;

/// <summary>
/// A cache that never checks-then-acts (ARCHITECTURE.md rule 3, seed Q193215). An entry is
/// created by an atomic get-or-add of a lazily computed value, so concurrent callers share one
/// computation; removal names the exact entry to remove, so a logout or a failed build can never
/// erase a newer entry that another thread just created; and invalidation marks the entry, so a
/// computation that started before an invalidation can never be returned as fresh afterwards.
/// </summary>
public sealed class AtomicCache<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, CacheEntry<TValue>> _entries;
    private long _generation;

    public AtomicCache(IEqualityComparer<TKey>? comparer = null)
    {
        _entries = new ConcurrentDictionary<TKey, CacheEntry<TValue>>(comparer);
    }

    public int Count => _entries.Count;

    public IEnumerable<TKey> Keys => _entries.Keys;

    /// <summary>
    /// Returns the current, valid entry for the key, computing its value with
    /// <paramref name="factory"/> if no entry exists. Every caller racing on one key gets the
    /// same entry and the factory runs once. If the factory fails, that exact entry is removed
    /// and the error surfaces to the callers that shared it; the next call tries again. If the
    /// entry is invalidated while its value is being computed, the call starts over, so the value
    /// returned was computed after the last invalidation that completed before this call began.
    /// </summary>
    public async ValueTask<CacheEntry<TValue>> GetOrAddAsync(TKey key, Func<TKey, CancellationToken, Task<TValue>> factory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = _entries.GetOrAdd(key, static (k, state) => state.Cache.NewEntry(k, state.Factory), (Cache: this, Factory: factory));
            try
            {
                await entry.ValueTask.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                TryRemove(key, entry);
                throw;
            }

            if (!entry.IsInvalidated)
            {
                return entry;
            }

            // Invalidated between insertion and use: its value may predate the change. Drop it
            // (by instance: a newer entry may already stand there) and build anew.
            TryRemove(key, entry);
        }
    }

    /// <summary>The current entry, if one exists and has a valid value.</summary>
    public bool TryGet(TKey key, out CacheEntry<TValue> entry)
    {
        if (_entries.TryGetValue(key, out var found) && found.HasValue && !found.IsInvalidated)
        {
            entry = found;
            return true;
        }

        entry = null!;
        return false;
    }

    /// <summary>Removes <paramref name="entry"/> only if it is still the key's current entry.</summary>
    public bool TryRemove(TKey key, CacheEntry<TValue> entry) =>
        _entries.TryRemove(new KeyValuePair<TKey, CacheEntry<TValue>>(key, entry));

    /// <summary>
    /// Marks the key's current entry stale and removes it. Call after the change that makes it
    /// stale is committed. Returns the entry that was invalidated, if any.
    /// </summary>
    public CacheEntry<TValue>? Invalidate(TKey key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        // Mark first: a caller that already holds this entry and is about to return it will
        // see the mark and rebuild, even if it wins the race to read the dictionary.
        entry.MarkInvalidated();
        TryRemove(key, entry);
        return entry;
    }

    /// <summary>Invalidates every entry present now; returns how many.</summary>
    public int InvalidateAll()
    {
        var count = 0;
        foreach (var key in _entries.Keys)
        {
            if (Invalidate(key) is not null)
            {
                count++;
            }
        }

        return count;
    }

    private CacheEntry<TValue> NewEntry(TKey key, Func<TKey, CancellationToken, Task<TValue>> factory)
    {
        var generation = Interlocked.Increment(ref _generation);

        // The factory runs once, on first use, not under the dictionary's lock; it is not
        // cancelled by any one caller, since every caller racing on the key shares it. It starts
        // on the thread pool, so its synchronous part never runs on the first caller's flow.
        return new CacheEntry<TValue>(generation, () => Task.Run(() => factory(key, CancellationToken.None)));
    }
}
