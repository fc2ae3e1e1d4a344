using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// The MTA-STS policies known (RFC 8461 5.1: a policy is cached for its max_age, and a cached
/// policy is what protects a delivery when an attacker strips the TXT record or blocks the HTTPS
/// fetch). In memory, one immutable entry per domain swapped whole, and, when a folder is given, one
/// file per domain (written to a temporary name and renamed) read back at start, so a restart keeps
/// the protection. No locks: a newer entry replaces an older one by compare-and-swap; an expired
/// entry is removed only as that exact instance (ARCHITECTURE 4, rule 3).
/// </summary>
public sealed class MtaStsPolicyCache
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly ConcurrentDictionary<string, CachedMtaStsPolicy> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly string? _folder;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    /// <param name="folder">Where policies are kept on disk (created if missing); null: memory only.</param>
    public MtaStsPolicyCache(string? folder, TimeProvider? clock = null, ILogger? logger = null)
    {
        _folder = string.IsNullOrWhiteSpace(folder) ? null : folder;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        if (_folder is not null)
        {
            System.IO.Directory.CreateDirectory(_folder);
            Load();
        }
    }

    public int Count => _entries.Count;

    /// <summary>The domain's policy unless it has expired (an expired one is forgotten, here and on disk).</summary>
    public CachedMtaStsPolicy? Get(string domain)
    {
        if (!_entries.TryGetValue(domain, out var entry))
        {
            return null;
        }

        if (!entry.IsExpired(_clock.GetUtcNow()))
        {
            return entry;
        }

        // RFC 8461 5.1: never used after max_age. Only this instance goes: a fresh one put meanwhile stays.
        if (_entries.TryRemove(KeyValuePair.Create(domain, entry)))
        {
            Delete(domain, entry);
        }

        return null;
    }

    /// <summary>Keeps <paramref name="entry"/> unless a later fetch is already there; writes it to disk.</summary>
    public CachedMtaStsPolicy Put(CachedMtaStsPolicy entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var kept = _entries.AddOrUpdate(entry.Domain, entry, (_, old) => old.FetchedAt > entry.FetchedAt ? old : entry);
        if (ReferenceEquals(kept, entry))
        {
            Save(entry);
        }

        return kept;
    }

    private void Load()
    {
        var now = _clock.GetUtcNow();
        foreach (var file in System.IO.Directory.EnumerateFiles(_folder!, "*.json"))
        {
            try
            {
                var stored = JsonSerializer.Deserialize<StoredPolicy>(File.ReadAllText(file), Json);
                if (stored is null || !MtaStsPolicy.TryParse(stored.Policy, out var policy, out var error))
                {
                    _logger.LogWarning("mta-sts: cached policy {File} is not readable; ignored", file);
                    continue;
                }

                var entry = new CachedMtaStsPolicy(stored.Domain, stored.Id, policy!, stored.FetchedAt, stored.ExpiresAt);
                if (entry.IsExpired(now) || !string.Equals(FileName(entry.Domain), Path.GetFileName(file), StringComparison.Ordinal))
                {
                    File.Delete(file);
                    continue;
                }

                _entries.TryAdd(entry.Domain, entry);
            }
            catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
            {
                _logger.LogWarning("mta-sts: cached policy {File} could not be read ({Error}); ignored", file, ex.Message);
            }
        }
    }

    private void Save(CachedMtaStsPolicy entry)
    {
        if (_folder is null)
        {
            return;
        }

        var path = Path.Combine(_folder, FileName(entry.Domain));
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.WriteAllText(temp, JsonSerializer.Serialize(new StoredPolicy(entry.Domain, entry.Id, entry.FetchedAt, entry.ExpiresAt, entry.Policy.Text), Json));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The policy still protects this process; only a restart would forget it.
            _logger.LogWarning("mta-sts: policy of {Domain} not saved to {Path}: {Error}", entry.Domain, path, ex.Message);
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Delete(string domain, CachedMtaStsPolicy entry)
    {
        if (_folder is null)
        {
            return;
        }

        var path = Path.Combine(_folder, FileName(domain));
        try
        {
            // Only the file of the expired entry: a newer policy may already be written under the name.
            if (File.Exists(path) && JsonSerializer.Deserialize<StoredPolicy>(File.ReadAllText(path), Json) is { } stored && stored.FetchedAt == entry.FetchedAt)
            {
                File.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            _logger.LogDebug("mta-sts: expired policy file {Path} not removed: {Error}", path, ex.Message);
        }
    }

    /// <summary>A domain as a file name: lower case, and only the characters a host name has.</summary>
    private static string FileName(string domain) =>
        new string(domain.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray()) + ".json";

    private sealed record StoredPolicy(string Domain, string Id, DateTimeOffset FetchedAt, DateTimeOffset ExpiresAt, string Policy);
}
