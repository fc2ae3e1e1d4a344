using System.Collections.Concurrent;
using Interchange.Transport.Dns;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// DKIM (and ARC) public keys from DNS TXT records at <c>selector._domainkey.domain</c> (RFC 6376 3.6.2.1),
/// cached. Without locks (ARCHITECTURE rule 1 and 3): an entry is a lazy lookup added atomically, so
/// concurrent messages signed with one key cause one query; an expired entry is removed by instance, so a
/// remove never erases a fresh entry another flow just added. Keys are cached for <see cref="DkimOptions.KeyCacheTtl"/>,
/// missing or unusable keys for <see cref="DkimOptions.KeyCacheNegativeTtl"/>, temporary failures not at all.
/// The cache holds at most <see cref="DkimOptions.KeyCacheMaxEntries"/> entries.
/// </summary>
public sealed class DkimKeyCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IDnsResolver _dns;
    private readonly DkimOptions _options;
    private readonly TimeProvider _time;

    public DkimKeyCache(IDnsResolver dns, DkimOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(options);
        _dns = dns;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Entries held now (tests, metrics).</summary>
    public int Count => _entries.Count;

    /// <summary>The key of <paramref name="selector"/> in <paramref name="domain"/>. Never throws except
    /// for the caller's cancellation; a lookup that outlives <see cref="DkimOptions.KeyLookupTimeout"/> is a temperror.</summary>
    internal async Task<DkimPublicKey> GetAsync(string domain, string selector, CancellationToken cancellationToken)
    {
        if (!DomainNames.IsValid(domain) || !DomainNames.IsValidSelector(selector))
        {
            return DkimPublicKey.Failed(DkimResult.PermError, "d= or s= is not a domain name");
        }

        var name = $"{selector}._domainkey.{domain}".ToLowerInvariant();
        var now = _time.GetUtcNow();
        Entry entry;
        var attempts = 0;
        while (true)
        {
            entry = _entries.GetOrAdd(name, static (key, cache) => new Entry(cache, key), this);
            if (!entry.IsExpired(now) || ++attempts > 3)
            {
                break;
            }

            // Remove this exact entry only: another flow may have replaced it already.
            _entries.TryRemove(KeyValuePair.Create(name, entry));
        }

        if (_entries.Count > _options.KeyCacheMaxEntries)
        {
            Trim(now);
        }

        return await entry.Lookup.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<DkimPublicKey> LookUpAsync(string name, Entry entry)
    {
        DkimPublicKey key;
        try
        {
            // The lookup is shared by every waiting message, so no one caller's token cancels it; its own bound ends it.
            using var bound = new CancellationTokenSource(_options.KeyLookupTimeout, _time);
            var txt = await _dns.GetTxtAsync(name, bound.Token).WaitAsync(_options.KeyLookupTimeout, _time, bound.Token).ConfigureAwait(false);
            key = txt.Outcome switch
            {
                DnsOutcome.Found => Choose(txt.Records),
                DnsOutcome.TemporaryFailure => DkimPublicKey.Failed(DkimResult.TempError, $"key lookup failed: {txt.Reason}"),
                _ => DkimPublicKey.Failed(DkimResult.PermError, $"no key at {name}"),
            };
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            key = DkimPublicKey.Failed(DkimResult.TempError, $"key lookup for {name} timed out");
        }
        catch (Exception e)
        {
            // A resolver should not throw; if one does, the answer is unknown, not absent.
            key = DkimPublicKey.Failed(DkimResult.TempError, $"key lookup for {name} failed: {e.Message}");
        }

        var ttl = key.Key is not null ? _options.KeyCacheTtl : key.Error == DkimResult.PermError ? _options.KeyCacheNegativeTtl : TimeSpan.Zero;
        entry.SetExpiry(_time.GetUtcNow() + ttl);
        if (ttl <= TimeSpan.Zero)
        {
            _entries.TryRemove(KeyValuePair.Create(name, entry));
        }

        return key;
    }

    private DkimPublicKey Choose(IReadOnlyList<string> records)
    {
        // Several TXT records: use the first that is a usable key (3.6.2.2 leaves the choice to the verifier).
        DkimPublicKey? first = null;
        foreach (var record in records)
        {
            var key = DkimKeyRecord.Parse(record, _options.MaxKeyRecordLength, _options.MaxRsaKeyBits);
            if (key.Key is not null)
            {
                return key;
            }

            first ??= key;
        }

        return first ?? DkimPublicKey.Failed(DkimResult.PermError, "no key record");
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var pair in _entries)
        {
            if (pair.Value.IsExpired(now))
            {
                _entries.TryRemove(pair);
            }
        }

        // Still too many (a flood of distinct selectors): drop arbitrary entries; each is only a cached answer.
        foreach (var pair in _entries)
        {
            if (_entries.Count <= _options.KeyCacheMaxEntries)
            {
                break;
            }

            _entries.TryRemove(pair);
        }
    }

    private sealed class Entry
    {
        private long _expiresTicks = DateTimeOffset.MaxValue.UtcTicks;

        public Entry(DkimKeyCache cache, string name)
        {
            Lookup = new Lazy<Task<DkimPublicKey>>(() => cache.LookUpAsync(name, this), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public Lazy<Task<DkimPublicKey>> Lookup { get; }

        public bool IsExpired(DateTimeOffset now) => now.UtcTicks >= Interlocked.Read(ref _expiresTicks);

        public void SetExpiry(DateTimeOffset at) => Interlocked.Exchange(ref _expiresTicks, at.UtcTicks);
    }
}
