using System.Collections.Concurrent;
using System.Net;

namespace Interchange.Directory.Security;

/// <summary>
/// Fixed-window counters of failed logins per user and per client address. A user or address
/// over its limit is refused until its window ends, even with the right password: guessing stops
/// paying. Lock-free: each window is an immutable value replaced atomically.
/// </summary>
public sealed class LoginThrottle(LoginThrottleOptions options, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Window> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, Window> _addresses = new();

    // Slow password checks running per user (entries live only while one runs).
    private readonly ConcurrentDictionary<string, int> _checks = new(StringComparer.Ordinal);

    /// <summary>How long the caller must wait, or null when the attempt may go ahead.</summary>
    public TimeSpan? RetryAfter(string userKey, IPAddress? client)
    {
        var now = _clock.GetUtcNow();
        var wait = Blocked(_users, userKey, options.MaxFailuresPerUser, options.UserWindow, now);
        if (client is not null && !IPAddress.IsLoopback(client))
        {
            // Lifted comparisons of nullables are false when either side is null: compare explicitly.
            if (Blocked(_addresses, Bucket(client), options.MaxFailuresPerAddress, options.AddressWindow, now) is { } addressWait
                && (wait is null || addressWait > wait))
            {
                wait = addressWait;
            }
        }

        return wait;
    }

    /// <summary>
    /// Starts a slow password check for the user when its failures in the window plus the checks
    /// already running stay under <see cref="LoginThrottleOptions.MaxFailuresPerUser"/>: a flood of
    /// parallel guesses cannot all be checked before the first failures are counted. False: wait
    /// for the running checks, then ask again. Every true is paired with <see cref="EndCheck"/>.
    /// </summary>
    public bool TryBeginCheck(string userKey)
    {
        var now = _clock.GetUtcNow();
        while (true)
        {
            var failures = _users.TryGetValue(userKey, out var window) && now - window.Start < options.UserWindow ? window.Failures : 0;
            var running = _checks.GetValueOrDefault(userKey);
            if (failures + running >= options.MaxFailuresPerUser)
            {
                return false;
            }

            if (running == 0 ? _checks.TryAdd(userKey, 1) : _checks.TryUpdate(userKey, running + 1, running))
            {
                return true;
            }
        }
    }

    /// <summary>Ends a check <see cref="TryBeginCheck"/> started (after its failure, if any, was recorded).</summary>
    public void EndCheck(string userKey)
    {
        while (true)
        {
            var running = _checks.GetValueOrDefault(userKey);
            if (running == 0)
            {
                throw new InvalidOperationException($"no password check of {userKey} is running");
            }

            if (running == 1 ? _checks.TryRemove(new KeyValuePair<string, int>(userKey, 1)) : _checks.TryUpdate(userKey, running - 1, running))
            {
                return;
            }
        }
    }

    /// <summary>Password checks running now for the user.</summary>
    public int RunningChecks(string userKey) => _checks.GetValueOrDefault(userKey);

    /// <summary>Counts a failure against the user (when known) and the client address.</summary>
    public void RecordFailure(string? userKey, IPAddress? client)
    {
        var now = _clock.GetUtcNow();
        if (userKey is not null)
        {
            Count(_users, userKey, options.UserWindow, now);
        }

        if (client is not null && !IPAddress.IsLoopback(client))
        {
            Count(_addresses, Bucket(client), options.AddressWindow, now);
        }
    }

    /// <summary>A successful login clears the user's failures (not the address's).</summary>
    public void RecordSuccess(string userKey) => _users.TryRemove(userKey, out _);

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
        if (table.Count >= options.MaxTracked)
        {
            foreach (var (k, w) in table)
            {
                if (now - w.Start >= length)
                {
                    table.TryRemove(new KeyValuePair<TKey, Window>(k, w));
                }
            }
        }

        if (table.Count >= options.MaxTracked && !table.ContainsKey(key))
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
