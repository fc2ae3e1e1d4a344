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

    /// <summary>Counts an attempt against the user before its password is checked; a success clears it.</summary>
    public void RecordAttempt(string userKey) => Count(_users, userKey, options.UserWindow, _clock.GetUtcNow());

    /// <summary>Counts a failure against the user (unless already counted as an attempt: null) and the client address.</summary>
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
