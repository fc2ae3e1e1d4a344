using Interchange.Smtp.Client;

namespace Interchange.Smtp.Delivery;

/// <summary>
/// Idle outbound connections kept for the next message to the same destination (Postfix's
/// connection cache): a worker that finished a transaction on a connection still good gives it
/// back here; the next attempt for that destination, by any worker, takes it instead of
/// connecting, and checks it with RSET first. A connection idle longer than
/// <see cref="SmtpDeliveryOptions.ConnectionCacheTime"/> is closed (QUIT) at the next look;
/// at most <see cref="SmtpDeliveryOptions.DestinationConcurrencyLimit"/> are kept per destination.
/// A taken connection belongs to the taker alone (removed under the lock), so no two attempts
/// ever share one.
/// </summary>
public sealed class SmtpConnectionCache(SmtpDeliveryOptions options, TimeProvider? clock = null) : IAsyncDisposable
{
    private readonly Dictionary<string, Stack<(SmtpClientSession Session, DateTimeOffset Since)>> _idle = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private bool _disposed;

    /// <summary>Idle connections kept now, over all destinations.</summary>
    public int Count
    {
        get
        {
            lock (_idle)
            {
                return _idle.Values.Sum(s => s.Count);
            }
        }
    }

    /// <summary>A connection to <paramref name="destination"/> idle for less than the cache time, or null; the caller owns it.</summary>
    public SmtpClientSession? TryTake(string destination)
    {
        var expired = new List<SmtpClientSession>();
        SmtpClientSession? taken = null;
        lock (_idle)
        {
            var now = _clock.GetUtcNow();
            if (_idle.TryGetValue(destination, out var stack))
            {
                while (taken is null && stack.TryPop(out var entry))
                {
                    if (now - entry.Since < options.ConnectionCacheTime && entry.Session.IsReusable)
                    {
                        taken = entry.Session;
                    }
                    else
                    {
                        expired.Add(entry.Session);
                    }
                }

                if (stack.Count == 0)
                {
                    _idle.Remove(destination);
                }
            }

            Sweep(now, expired);
        }

        Close(expired);
        return taken;
    }

    /// <summary>Keeps <paramref name="session"/> for the next message to <paramref name="destination"/>, or closes it (not reusable, too many, caching off).</summary>
    public void Return(string destination, SmtpClientSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var close = new List<SmtpClientSession>();
        lock (_idle)
        {
            var now = _clock.GetUtcNow();
            Sweep(now, close);
            if (!_disposed && session.IsReusable && options.ConnectionCacheTime > TimeSpan.Zero && session.Transactions < options.MaxTransactionsPerConnection)
            {
                if (!_idle.TryGetValue(destination, out var stack))
                {
                    _idle[destination] = stack = new Stack<(SmtpClientSession, DateTimeOffset)>();
                }

                if (stack.Count < options.DestinationConcurrencyLimit)
                {
                    stack.Push((session, now));
                    session = null!;
                }
            }
        }

        if (session is not null)
        {
            close.Add(session);
        }

        Close(close);
    }

    /// <summary>Closes every connection idle past the cache time (the connector calls it when idle).</summary>
    public void Sweep()
    {
        var expired = new List<SmtpClientSession>();
        lock (_idle)
        {
            Sweep(_clock.GetUtcNow(), expired);
        }

        Close(expired);
    }

    public async ValueTask DisposeAsync()
    {
        List<SmtpClientSession> all;
        lock (_idle)
        {
            _disposed = true;
            all = _idle.Values.SelectMany(s => s.Select(e => e.Session)).ToList();
            _idle.Clear();
        }

        foreach (var session in all)
        {
            await QuitAsync(session).ConfigureAwait(false);
        }
    }

    private void Sweep(DateTimeOffset now, List<SmtpClientSession> expired)
    {
        List<string>? empty = null;
        foreach (var (destination, stack) in _idle)
        {
            // Oldest at the bottom: rebuild only when the bottom one expired.
            if (stack.Count > 0 && stack.Any(e => now - e.Since >= options.ConnectionCacheTime))
            {
                var keep = stack.Where(e => now - e.Since < options.ConnectionCacheTime && e.Session.IsReusable).Reverse().ToList();
                expired.AddRange(stack.Where(e => !keep.Contains(e)).Select(e => e.Session));
                stack.Clear();
                foreach (var entry in keep)
                {
                    stack.Push(entry);
                }
            }

            if (stack.Count == 0)
            {
                (empty ??= []).Add(destination);
            }
        }

        foreach (var destination in empty ?? [])
        {
            _idle.Remove(destination);
        }
    }

    private static void Close(List<SmtpClientSession> sessions)
    {
        foreach (var session in sessions)
        {
            _ = QuitAsync(session);
        }
    }

    /// <summary>QUIT within ten seconds, then close, whatever the peer does (also the connector's way to end a session it does not keep).</summary>
    internal static async Task QuitAsync(SmtpClientSession session)
    {
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await session.QuitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException or Client.SmtpClientException)
        {
            // Closing anyway.
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
