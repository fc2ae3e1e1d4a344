using System.Collections.Concurrent;
using Interchange.Smtp.Client;
using Interchange.Transport.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// A domain's MTA-STS policy for a delivery (RFC 8461 3.3 and 5.1): the TXT record at
/// <c>_mta-sts.&lt;domain&gt;</c> says whether there is one and its id; a cached policy with that id
/// is used as it is; a new or changed id fetches the policy over HTTPS and caches it for its max_age.
/// Without a usable TXT record (none, invalid, or DNS failing) a cached, unexpired policy is still
/// used: that is what keeps an attacker who strips the record from downgrading the delivery. A
/// failed fetch falls back to the cached policy, or to none (deliver as without MTA-STS). Concurrent
/// deliveries to one domain share one fetch (a lazy task per domain, removed as that instance), and
/// a failed fetch is not repeated for the same id for <see cref="MtaStsOptions.FetchFailureBackoff"/>.
/// </summary>
public sealed class MtaStsPolicySource
{
    private readonly IDnsResolver _dns;
    private readonly IMtaStsPolicyFetcher _fetcher;
    private readonly MtaStsPolicyCache _cache;
    private readonly MtaStsOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<MtaStsLookup>>> _fetching = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, FailedFetch> _failures = new(StringComparer.OrdinalIgnoreCase);

    public MtaStsPolicySource(IDnsResolver dns, IMtaStsPolicyFetcher fetcher, MtaStsPolicyCache cache, MtaStsOptions options, TimeProvider? clock = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        _dns = dns;
        _fetcher = fetcher;
        _cache = cache;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public MtaStsPolicyCache Cache => _cache;

    public async Task<MtaStsLookup> GetAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        domain = domain.TrimEnd('.').ToLowerInvariant();
        if (domain.StartsWith('['))
        {
            return new MtaStsLookup(null, null, "an address literal has no MTA-STS policy");
        }

        var cached = _cache.Get(domain);
        var txt = await _dns.GetTxtAsync("_mta-sts." + domain, cancellationToken).ConfigureAwait(false);
        var why = txt.Reason ?? txt.Outcome.ToString();
        var record = txt.IsFound ? MtaStsRecord.Find(txt.Records, out why) : null;
        if (record is null)
        {
            return cached is not null
                ? new MtaStsLookup(cached, null, $"cached policy (no usable _mta-sts record: {why})")
                : new MtaStsLookup(null, null, $"no policy ({why})");
        }

        if (cached is not null && cached.Id == record.Id)
        {
            return new MtaStsLookup(cached, null, "cached policy");
        }

        var now = _clock.GetUtcNow();
        if (_failures.TryGetValue(domain, out var failed) && failed.Id == record.Id && now < failed.Until)
        {
            return Fallback(cached, failed.Result, "(fetch not retried before " + failed.Until.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ")");
        }

        // One fetch per domain at a time: a lazy task got or added atomically, removed as that
        // instance by the fetch itself when done (ARCHITECTURE 4, rule 3).
        Lazy<Task<MtaStsLookup>>? mine = null;
        mine = new Lazy<Task<MtaStsLookup>>(() => FetchOnceAsync(domain, record.Id, cached, mine!));
        var shared = _fetching.GetOrAdd(domain, mine);
        return await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<MtaStsLookup> FetchOnceAsync(string domain, string id, CachedMtaStsPolicy? cached, Lazy<Task<MtaStsLookup>> self)
    {
        try
        {
            return await FetchAsync(domain, id, cached).ConfigureAwait(false);
        }
        finally
        {
            _fetching.TryRemove(KeyValuePair.Create(domain, self));
        }
    }

    private async Task<MtaStsLookup> FetchAsync(string domain, string id, CachedMtaStsPolicy? cached)
    {
        // Not cancelled by one delivery: others may wait for the same fetch, and its result is cached.
        var result = await _fetcher.FetchAsync(domain, CancellationToken.None).ConfigureAwait(false);
        var now = _clock.GetUtcNow();
        if (result.Policy is { } policy)
        {
            _failures.TryRemove(domain, out _);
            var entry = _cache.Put(new CachedMtaStsPolicy(domain, id, policy, now, now + policy.MaxAge));
            _logger.LogInformation("mta-sts: policy of {Domain} fetched: {Policy}", domain, entry);
            return new MtaStsLookup(entry, null, "policy fetched");
        }

        _logger.LogWarning("mta-sts: policy of {Domain} (id {Id}) not fetched: {Failure} {Detail}", domain, id, result.Failure?.Rfc8460Name(), result.Detail);
        if (_options.FetchFailureBackoff > TimeSpan.Zero)
        {
            _failures[domain] = new FailedFetch(id, now + _options.FetchFailureBackoff, result);
        }

        return Fallback(cached, result, string.Empty);
    }

    /// <summary>RFC 8461 3.3: a fetch that fails leaves the cached policy in force, or no policy at all.</summary>
    private static MtaStsLookup Fallback(CachedMtaStsPolicy? cached, MtaStsFetchResult result, string note) =>
        new(cached, result.Failure, cached is not null ? $"cached policy; the new one was not fetched: {result.Detail} {note}".TrimEnd() : $"no policy: {result.Detail} {note}".TrimEnd());

    private sealed record FailedFetch(string Id, DateTimeOffset Until, MtaStsFetchResult Result);
}
