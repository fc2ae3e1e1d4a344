using Interchange.Storage.Mail;
using Microsoft.Extensions.Caching.Memory;

namespace Interchange.Imap.Session;

/// <summary>
/// The latest snapshot of each recently selected mailbox, shared by every IMAP session: SELECT
/// asks the store only for what changed since the cached snapshot (one indexed read when
/// nothing did) instead of reading every message again, and sessions on one mailbox share the
/// message records instead of each holding its own copy.
/// <para>
/// Correctness does not rest on the cache being current (seed Q193215: a cache must never hand
/// out what an invalidation already retired). A snapshot is an immutable, exact picture of its
/// mailbox at its modseq, and every change moves the modseq, so a cached snapshot is never wrong,
/// only possibly old; every use catches it up through <see cref="IMailStore.ChangesSinceAsync"/>
/// before handing it out. A deleted and re-created mailbox has a new id and starts afresh.
/// </para>
/// </summary>
public sealed class MailboxSnapshotCache : IDisposable
{
    private readonly IMailStore _store;
    private readonly MemoryCache _cache;
    private long _hits;
    private long _misses;

    /// <param name="messageLimit">Messages kept across all cached snapshots at most; 0 disables caching.</param>
    public MailboxSnapshotCache(IMailStore store, long messageLimit)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(messageLimit);
        _store = store;
        MessageLimit = messageLimit;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, messageLimit), CompactionPercentage = 0.25 });
    }

    public long MessageLimit { get; }

    /// <summary>Snapshots served from the cache (caught up or unchanged).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Snapshots read whole from the store.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The mailbox now, or null if it does not exist (or the name is not a valid one).</summary>
    public async Task<MailboxSnapshot?> SnapshotAsync(string userKey, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userKey);
        ArgumentNullException.ThrowIfNull(name);
        var normalized = MailboxNames.Normalize(name, out _);
        if (normalized is null)
        {
            return await _store.SnapshotAsync(userKey, name, cancellationToken).ConfigureAwait(false); // the store words the refusal
        }

        var key = new Key(userKey, normalized);
        if (_cache.TryGetValue(key, out MailboxSnapshot? cached) && cached is not null)
        {
            var changes = await _store.ChangesSinceAsync(userKey, normalized, State(cached), cancellationToken).ConfigureAwait(false);
            if (changes is null)
            {
                _cache.Remove(key);
                return null;
            }

            if (changes.Id == cached.Id && changes.UidValidity == cached.UidValidity)
            {
                Interlocked.Increment(ref _hits);
                var current = Apply(cached, changes);
                if (!ReferenceEquals(current, cached))
                {
                    Keep(key, current);
                }

                return current;
            }
        }

        Interlocked.Increment(ref _misses);
        var snapshot = await _store.SnapshotAsync(userKey, normalized, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            _cache.Remove(key);
        }
        else
        {
            Keep(key, snapshot);
        }

        return snapshot;
    }

    /// <summary>What <see cref="IMailStore.ChangesSinceAsync"/> needs to catch <paramref name="snapshot"/> up.</summary>
    public static MailboxViewState State(MailboxSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new(snapshot.HighestModSeq, snapshot.Messages.Count == 0 ? 0 : snapshot.Messages[^1].Uid, snapshot.Messages.Count);
    }

    /// <summary>
    /// <paramref name="snapshot"/> brought to the moment of <paramref name="changes"/> (which the
    /// store computed for <see cref="State"/> of it): expunged messages dropped, changed ones
    /// replaced, new ones added. The same instance when nothing changed.
    /// </summary>
    public static MailboxSnapshot Apply(MailboxSnapshot snapshot, MailboxChanges changes)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.HighestModSeq == snapshot.HighestModSeq && changes.Changed.Count == 0 && changes.Uids is null
            && changes.UidNext == snapshot.UidNext && changes.Name == snapshot.Name)
        {
            return snapshot;
        }

        var messages = new List<StoredMessage>(snapshot.Messages.Count + changes.Changed.Count);
        if (changes.Uids is { } present)
        {
            // Both in UID order: keep what is still present.
            var p = 0;
            foreach (var message in snapshot.Messages)
            {
                while (p < present.Count && present[p] < message.Uid)
                {
                    p++;
                }

                if (p < present.Count && present[p] == message.Uid)
                {
                    messages.Add(message);
                }
            }
        }
        else
        {
            messages.AddRange(snapshot.Messages);
        }

        var known = messages.Count == 0 ? 0 : messages[^1].Uid;
        foreach (var message in changes.Changed)
        {
            if (message.Uid > known)
            {
                messages.Add(message);
                continue;
            }

            var index = messages.BinarySearch(message, UidOrder.Instance);
            if (index >= 0)
            {
                messages[index] = message;
            }
        }

        return new MailboxSnapshot(changes.Id, changes.Name, changes.UidValidity, changes.UidNext, changes.HighestModSeq, snapshot.SpecialUse, messages);
    }

    public void Dispose() => _cache.Dispose();

    private void Keep(Key key, MailboxSnapshot snapshot)
    {
        if (MessageLimit == 0 || snapshot.Messages.Count > MessageLimit / 4)
        {
            return; // one huge mailbox may not push out every other
        }

        // A newer picture of the same mailbox is preferred. Two sessions keeping at once may leave
        // the older one: still correct (it is caught up on use), only a bigger catch-up next time.
        if (_cache.TryGetValue(key, out MailboxSnapshot? existing) && existing is not null
            && existing.Id == snapshot.Id && existing.HighestModSeq >= snapshot.HighestModSeq)
        {
            return;
        }

        using var entry = _cache.CreateEntry(key);
        entry.Value = snapshot;
        entry.Size = Math.Max(1, snapshot.Messages.Count);
        entry.SlidingExpiration = TimeSpan.FromMinutes(30);
    }

    private readonly record struct Key(string UserKey, string Name);

    private sealed class UidOrder : IComparer<StoredMessage>
    {
        public static readonly UidOrder Instance = new();

        public int Compare(StoredMessage? x, StoredMessage? y) => (x?.Uid ?? 0).CompareTo(y?.Uid ?? 0);
    }
}
