using System.Collections.Concurrent;
using System.Net;

namespace Interchange.Directory.Security;

/// <summary>
/// Fixed-window counters of failed logins per user, per (user, client address) and per client
/// address. Any of them over its limit refuses the attempt until its window ends, even with the
/// right password: guessing stops paying. A success clears only the (user, address) count of the
/// address it came from, so the real user's logins never give a guesser elsewhere a new batch, and
/// makes that pair known for a while: the per-user limit does not refuse a known pair, so guesses
/// from elsewhere cannot lock the real user out of the client it uses. Running checks are counted
/// per user and per address, so parallel guesses cannot overshoot either limit.
/// Lock-free: each window is an immutable value replaced atomically.
/// </summary>
public sealed class LoginThrottle
{
    private readonly LoginThrottleOptions _options;
    private readonly TimeProvider _clock;
    private readonly IPNetwork[] _trustedProxies;
    private readonly ConcurrentDictionary<string, Window> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string User, IPAddress Address), Window> _pairs = new();
    private readonly ConcurrentDictionary<IPAddress, Window> _addresses = new();

    private readonly ConcurrentDictionary<(string User, IPAddress Address), DateTimeOffset> _known = new();

    // Slow password checks running per user and per address (entries live only while one runs).
    private readonly ConcurrentDictionary<string, int> _checks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, int> _addressChecks = new();

    public LoginThrottle(LoginThrottleOptions options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _trustedProxies = [.. options.TrustedProxies.Select(ParseNetwork)];
    }

    /// <summary>An address (<c>127.0.0.1</c>) or a network (<c>10.0.0.0/8</c>); throws <see cref="FormatException"/> otherwise.</summary>
    public static IPNetwork ParseNetwork(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (IPAddress.TryParse(trimmed, out var address) && !trimmed.Contains('/', StringComparison.Ordinal))
        {
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        return IPNetwork.TryParse(trimmed, out var network)
            ? network
            : throw new FormatException($"'{text}' is neither an IP address nor a network (address/prefix)");
    }

    /// <summary>How long the caller must wait, or null when the attempt may go ahead.</summary>
    public TimeSpan? RetryAfter(string userKey, IPAddress? client)
    {
        var now = _clock.GetUtcNow();
        var wait = IsKnown(userKey, client, now) ? null : Blocked(_users, userKey, _options.MaxFailuresPerUser, _options.UserWindow, now);
        if (client is not null)
        {
            var bucket = Bucket(client);
            wait = Longer(wait, Blocked(_pairs, (userKey, bucket), _options.MaxFailuresPerUserAndAddress, _options.UserWindow, now));
            if (!IsTrustedProxy(client))
            {
                wait = Longer(wait, Blocked(_addresses, bucket, _options.MaxFailuresPerAddress, _options.AddressWindow, now));
            }
        }

        return wait;
    }

    /// <summary>
    /// Starts a slow password check for the user when its failures in the window plus the checks
    /// already running stay under <see cref="LoginThrottleOptions.MaxFailuresPerUser"/> (and under
    /// the per-address limit for the client's pair): a flood of parallel guesses cannot all be
    /// checked before the first failures are counted. False: wait for the running checks, then
    /// ask again. Every true is paired with <see cref="EndCheck"/>.
    /// </summary>
    public bool TryBeginCheck(string userKey, IPAddress? client = null)
    {
        var now = _clock.GetUtcNow();
        while (true)
        {
            var failures = IsKnown(userKey, client, now) ? 0 : Failures(_users, userKey, _options.UserWindow, now);
            var pairFailures = client is null ? 0 : Failures(_pairs, (userKey, Bucket(client)), _options.UserWindow, now);

            // Running checks are counted per user, whichever address they came from: conservative
            // for the pair limit, and one table for both.
            var running = _checks.GetValueOrDefault(userKey);
            if (failures + running >= _options.MaxFailuresPerUser || pairFailures + running >= _options.MaxFailuresPerUserAndAddress)
            {
                return false;
            }

            if (running == 0 ? _checks.TryAdd(userKey, 1) : _checks.TryUpdate(userKey, running + 1, running))
            {
                if (TryBeginAddressCheck(client, now))
                {
                    return true;
                }

                Decrement(_checks, userKey);
                return false;
            }
        }
    }

    // The address's share: its failures plus the checks it has running stay under its limit, so one
    // address guessing many users at once is held to MaxFailuresPerAddress too.
    private bool TryBeginAddressCheck(IPAddress? client, DateTimeOffset now)
    {
        if (client is null || IsTrustedProxy(client))
        {
            return true;
        }

        var bucket = Bucket(client);
        while (true)
        {
            var running = _addressChecks.GetValueOrDefault(bucket);
            if (Failures(_addresses, bucket, _options.AddressWindow, now) + running >= _options.MaxFailuresPerAddress)
            {
                return false;
            }

            if (running == 0 ? _addressChecks.TryAdd(bucket, 1) : _addressChecks.TryUpdate(bucket, running + 1, running))
            {
                return true;
            }
        }
    }

    /// <summary>Ends a check <see cref="TryBeginCheck"/> started for the same user and client (after its failure, if any, was recorded).</summary>
    public void EndCheck(string userKey, IPAddress? client = null)
    {
        Decrement(_checks, userKey);
        if (client is not null && !IsTrustedProxy(client))
        {
            Decrement(_addressChecks, Bucket(client));
        }
    }

    private static void Decrement<TKey>(ConcurrentDictionary<TKey, int> checks, TKey key)
        where TKey : notnull
    {
        while (true)
        {
            var running = checks.GetValueOrDefault(key);
            if (running == 0)
            {
                throw new InvalidOperationException($"no password check of {key} is running");
            }

            if (running == 1 ? checks.TryRemove(new KeyValuePair<TKey, int>(key, 1)) : checks.TryUpdate(key, running - 1, running))
            {
                return;
            }
        }
    }

    /// <summary>Password checks running now for the user.</summary>
    public int RunningChecks(string userKey) => _checks.GetValueOrDefault(userKey);

    /// <summary>Counts a failure against the user (when known), the (user, address) pair and the client address (unless a trusted proxy).</summary>
    public void RecordFailure(string? userKey, IPAddress? client)
    {
        var now = _clock.GetUtcNow();
        if (userKey is not null)
        {
            Count(_users, userKey, _options.UserWindow, now);
            if (client is not null)
            {
                Count(_pairs, (userKey, Bucket(client)), _options.UserWindow, now);
            }
        }

        if (client is not null && !IsTrustedProxy(client))
        {
            Count(_addresses, Bucket(client), _options.AddressWindow, now);
        }
    }

    /// <summary>
    /// A successful login clears the failures of its own (user, address) pair, not the user's nor the
    /// address's, and makes the pair known for <see cref="LoginThrottleOptions.KnownClientWindow"/>.
    /// </summary>
    public void RecordSuccess(string userKey, IPAddress? client)
    {
        if (client is null)
        {
            return;
        }

        var pair = (userKey, Bucket(client));
        _pairs.TryRemove(pair, out _);
        if (_options.KnownClientWindow <= TimeSpan.Zero)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        if (_known.Count >= _options.MaxTracked)
        {
            foreach (var (key, since) in _known)
            {
                if (now - since >= _options.KnownClientWindow)
                {
                    _known.TryRemove(new KeyValuePair<(string, IPAddress), DateTimeOffset>(key, since));
                }
            }

            if (_known.Count >= _options.MaxTracked && !_known.ContainsKey(pair))
            {
                return; // full of live entries: this pair stays unknown, which only means the stricter rule
            }
        }

        _known[pair] = now;
    }

    private bool IsKnown(string userKey, IPAddress? client, DateTimeOffset now) =>
        client is not null
        && _known.TryGetValue((userKey, Bucket(client)), out var since)
        && now - since < _options.KnownClientWindow;

    private bool IsTrustedProxy(IPAddress client)
    {
        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        foreach (var network in _trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>IPv6 clients are counted per /64: one host usually holds a whole /64.</summary>
    private static IPAddress Bucket(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6)
        {
            return client.MapToIPv4();
        }

        if (client.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return client;
        }

        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    // Lifted comparisons of nullables are false when either side is null: compare explicitly.
    private static TimeSpan? Longer(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a > b ? a : b);

    private static int Failures<TKey>(ConcurrentDictionary<TKey, Window> table, TKey key, TimeSpan length, DateTimeOffset now)
        where TKey : notnull =>
        table.TryGetValue(key, out var window) && now - window.Start < length ? window.Failures : 0;

    private static TimeSpan? Blocked<TKey>(ConcurrentDictionary<TKey, Window> table, TKey key, int max, TimeSpan length, DateTimeOffset now)
        where TKey : notnull
    {
        if (table.TryGetValue(key, out var window) && now - window.Start < length && window.Failures >= max)
        {
            return window.Start + length - now;
        }

        return null;
    }

    private void Count<TKey>(ConcurrentDictionary<TKey, Window> table, TKey key, TimeSpan length, DateTimeOffset now)
        where TKey : notnull
    {
        if (table.Count >= _options.MaxTracked)
        {
            foreach (var (k, w) in table)
            {
                if (now - w.Start >= length)
                {
                    table.TryRemove(new KeyValuePair<TKey, Window>(k, w));
                }
            }
        }

        if (table.Count >= _options.MaxTracked && !table.ContainsKey(key))
        {
            // Full of live windows even after the sweep: do not grow past the cap. New names go
            // untracked until windows expire; the per-address limit still applies to them.
            return;
        }

        table.AddOrUpdate(
            key,
            static (_, now) => new Window(now, 1),
            (_, current, now) => now - current.Start >= length ? new Window(now, 1) : current with { Failures = current.Failures + 1 },
            now);
    }

    private sealed record Window(DateTimeOffset Start, int Failures);
}
