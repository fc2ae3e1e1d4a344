using System.Collections.Concurrent;
using Interchange.Smtp.Client;

namespace Interchange.Smtp.Delivery;

/// <summary>
/// Idle outbound connections kept for the next message to the same destination (Postfix's
/// connection cache): a worker that finished a transaction on a connection still good gives it
/// back here; the next attempt for that destination, by any worker, takes it instead of
/// connecting, and checks it with RSET first. A connection idle longer than
/// <see cref="SmtpDeliveryOptions.ConnectionCacheTime"/> is not handed out, and a timer closes
/// such connections every half cache time while any is kept, so an idle connection does not hold
/// the peer's session open until the peer's own timeout when no further mail comes; about
/// <see cref="SmtpDeliveryOptions.DestinationConcurrencyLimit"/> are kept per destination.
/// <para>
/// Lock-free (ARCHITECTURE.md rule 1): a destination's idle connections are a concurrent stack,
/// and a pop hands one to exactly one taker, so no two attempts ever share a connection. An empty
/// stack is removed by instance; a connection pushed onto a stack just removed is noticed by
/// whichever side acts second (the pusher finds its stack gone, the remover finds it non-empty)
/// and given back again, so none is stranded.
/// </para>
/// </summary>
public sealed class SmtpConnectionCache(SmtpDeliveryOptions options, TimeProvider? clock = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentStack<Idle>> _idle = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private ITimer? _sweeper;
    private int _disposed;

    /// <summary>Idle connections kept now, over all destinations.</summary>
    public int Count => _idle.Values.Sum(s => s.Count);

    /// <summary>A connection to <paramref name="destination"/> idle for less than the cache time, or null; the caller owns it.</summary>
    public SmtpClientSession? TryTake(string destination)
    {
        if (!_idle.TryGetValue(destination, out var stack))
        {
            return null;
        }

        var now = _clock.GetUtcNow();
        while (stack.TryPop(out var entry))
        {
            if (IsFresh(entry, now))
            {
                return entry.Session;
            }

            _ = QuitAsync(entry.Session);
        }

        return null;
    }

    /// <summary>Keeps <paramref name="session"/> for the next message to <paramref name="destination"/>, or closes it (not reusable, too many, caching off).</summary>
    public void Return(string destination, SmtpClientSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        while (true)
        {
            if (Volatile.Read(ref _disposed) != 0 || !session.IsReusable || options.ConnectionCacheTime <= TimeSpan.Zero || session.Transactions >= options.MaxTransactionsPerConnection)
            {
                _ = QuitAsync(session);
                return;
            }

            var stack = _idle.GetOrAdd(destination, static _ => new ConcurrentStack<Idle>());
            if (stack.Count >= options.DestinationConcurrencyLimit)
            {
                _ = QuitAsync(session);
                return;
            }

            stack.Push(new Idle(session, _clock.GetUtcNow()));
            StartSweeper();
            if (_idle.TryGetValue(destination, out var current) && ReferenceEquals(current, stack) && Volatile.Read(ref _disposed) == 0)
            {
                return;
            }

            // The stack was removed (empty, by a sweep) or the cache disposed while we pushed:
            // take back what is on it and give it back again (or close it, once disposed).
            if (!stack.TryPop(out var back))
            {
                return; // the remover (or the disposer) found it and dealt with it
            }

            session = back.Session;
        }
    }

    /// <summary>Closes every connection idle past the cache time (the timer calls it; so may anyone).</summary>
    public void Sweep()
    {
        var now = _clock.GetUtcNow();
        foreach (var (destination, stack) in _idle)
        {
            // Take them all (newest first), close the stale ones, put the fresh back oldest first.
            var entries = new Idle[Math.Max(stack.Count, 1) + 4];
            var taken = stack.TryPopRange(entries);
            var fresh = new List<Idle>(taken);
            for (var i = 0; i < taken; i++)
            {
                if (IsFresh(entries[i], now))
                {
                    fresh.Add(entries[i]);
                }
                else
                {
                    _ = QuitAsync(entries[i].Session);
                }
            }

            for (var i = fresh.Count - 1; i >= 0; i--)
            {
                stack.Push(fresh[i]);
            }

            if (stack.IsEmpty && _idle.TryRemove(new KeyValuePair<string, ConcurrentStack<Idle>>(destination, stack)))
            {
                // Pushed onto it between the look and the removal: give those back again.
                while (stack.TryPop(out var late))
                {
                    Return(destination, late.Session);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        if (Interlocked.Exchange(ref _sweeper, null) is { } sweeper)
        {
            await sweeper.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var stack in _idle.Values)
        {
            while (stack.TryPop(out var entry))
            {
                await QuitAsync(entry.Session).ConfigureAwait(false);
            }
        }
    }

    private bool IsFresh(Idle entry, DateTimeOffset now) => now - entry.Since < options.ConnectionCacheTime && entry.Session.IsReusable;

    /// <summary>Starts the sweeping timer with the first kept connection (a sweep of an empty cache costs a walk of the table).</summary>
    private void StartSweeper()
    {
        if (Volatile.Read(ref _sweeper) is not null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var every = TimeSpan.FromTicks(Math.Max(options.ConnectionCacheTime.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks));
        var timer = _clock.CreateTimer(static state => ((SmtpConnectionCache)state!).Sweep(), this, every, every);
        if (Interlocked.CompareExchange(ref _sweeper, timer, null) is not null)
        {
            timer.Dispose(); // another return started one first
        }
        else if (Volatile.Read(ref _disposed) != 0 && Interlocked.Exchange(ref _sweeper, null) is { } late)
        {
            late.Dispose(); // disposed meanwhile: DisposeAsync may have looked before it was set
        }
    }

    private readonly record struct Idle(SmtpClientSession Session, DateTimeOffset Since);

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
