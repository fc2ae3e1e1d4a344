using System.Collections.Concurrent;

namespace Interchange.Smtp.Delivery;

/// <summary>
/// Connections to one destination at once, with Postfix's feedback (its queue manager is the
/// anchor): a destination starts at <see cref="SmtpDeliveryOptions.InitialDestinationConcurrency"/>,
/// each success adds 1/limit (so the limit grows by one per "limit" successes) up to
/// <see cref="SmtpDeliveryOptions.DestinationConcurrencyLimit"/>, and each failure to reach it
/// takes one away, down to one. A destination none of whose hosts answered is dead for
/// <see cref="SmtpDeliveryOptions.DeadDestinationTime"/>: its mail is deferred without trying.
/// <para>
/// Without a lock (rule 1): a destination's slots in use are one counter changed by
/// compare-exchange; waiters queue first come first served and are handed a slot by whoever
/// frees one or enqueues (a slot is reserved on the counter before a waiter is taken from the
/// queue, and a waiter that was cancelled meanwhile gives it back). A destination with nothing
/// in flight, nobody waiting and nothing learnt is retired (its counter set to -1 by
/// compare-exchange) and removed by instance; anyone holding a retired state goes back to the
/// table for a fresh one.
/// </para>
/// </summary>
public sealed class DestinationLimiter(SmtpDeliveryOptions options, TimeProvider? clock = null)
{
    private const int Retired = -1;
    private readonly ConcurrentDictionary<string, State> _destinations = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Destinations tracked now (for tests and the status page).</summary>
    public int Count => _destinations.Count;

    /// <summary>The current limit of a destination (its initial value when untracked).</summary>
    public int LimitOf(string destination) =>
        _destinations.TryGetValue(destination, out var state) ? Volatile.Read(ref state.Limit) : options.InitialDestinationConcurrency;

    /// <summary>Connections to a destination in use now.</summary>
    public int ActiveOf(string destination) =>
        _destinations.TryGetValue(destination, out var state) ? Math.Max(0, Volatile.Read(ref state.Active)) : 0;

    /// <summary>Until when a destination is dead, or null when it may be tried.</summary>
    public DateTimeOffset? DeadUntil(string destination)
    {
        if (!_destinations.TryGetValue(destination, out var state))
        {
            return null;
        }

        var until = Interlocked.Read(ref state.DeadUntilTicks);
        return until > _clock.GetUtcNow().UtcTicks ? new DateTimeOffset(until, TimeSpan.Zero) : null;
    }

    /// <summary>Waits for a free slot of <paramref name="destination"/>; dispose the slot when the connection is given back.</summary>
    public async Task<IDisposable> AcquireAsync(string destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var state = StateOf(destination);

            // The fast way in: a free slot and nobody queued before us.
            if (state.Waiters.IsEmpty && TryReserve(state) is { } reserved)
            {
                if (reserved)
                {
                    return new Slot(this, destination, state);
                }

                continue; // retired under us: a fresh state from the table
            }

            var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            state.Waiters.Enqueue(waiter);
            HandOver(state);
            if (Volatile.Read(ref state.Active) == Retired)
            {
                // Retired after we looked it up: nobody will hand this queue a slot; send its waiters back to the table.
                while (state.Waiters.TryDequeue(out var stranded))
                {
                    stranded.TrySetResult(false);
                }
            }

            bool handed;
            using (cancellationToken.Register(static w => ((TaskCompletionSource<bool>)w!).TrySetCanceled(), waiter))
            {
                try
                {
                    handed = await waiter.Task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Whoever dequeues this waiter finds it cancelled and keeps the slot it reserved for it.
                    throw new OperationCanceledException(cancellationToken);
                }
            }

            if (handed)
            {
                return new Slot(this, destination, state);
            }
        }
    }

    /// <summary>A delivery to the destination reached a server: the limit may grow.</summary>
    public void Succeeded(string destination)
    {
        var state = StateOf(destination);
        Interlocked.Exchange(ref state.DeadUntilTicks, 0);
        if (Interlocked.Increment(ref state.Credit) >= Volatile.Read(ref state.Limit))
        {
            Interlocked.Exchange(ref state.Credit, 0);
            Update(ref state.Limit, limit => Math.Min(limit + 1, options.DestinationConcurrencyLimit));
        }

        HandOver(state);
    }

    /// <summary>No server of the destination could be reached: the limit shrinks; with <paramref name="dead"/>, it is left alone for a while.</summary>
    public void Failed(string destination, bool dead)
    {
        var state = StateOf(destination);
        Update(ref state.Limit, limit => Math.Max(1, limit - 1));
        Interlocked.Exchange(ref state.Credit, 0);
        if (dead)
        {
            Interlocked.Exchange(ref state.DeadUntilTicks, (_clock.GetUtcNow() + options.DeadDestinationTime).UtcTicks);
        }
    }

    private void Release(string destination, State state)
    {
        Interlocked.Decrement(ref state.Active);
        HandOver(state);
        TryForget(destination, state);
    }

    /// <summary>Reserves a slot: true when taken, false when the state was retired, null when it is full.</summary>
    private static bool? TryReserve(State state)
    {
        while (true)
        {
            var active = Volatile.Read(ref state.Active);
            if (active == Retired)
            {
                return false;
            }

            if (active >= Volatile.Read(ref state.Limit))
            {
                return null;
            }

            if (Interlocked.CompareExchange(ref state.Active, active + 1, active) == active)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Gives free slots to waiters, first come first served. A slot is reserved before a waiter is
    /// taken; a waiter already cancelled gives it back and the next is tried. Called after every
    /// change that can free a slot and after every enqueue, so a waiter and a free slot never
    /// miss each other: whichever comes second finds the other.
    /// </summary>
    private static void HandOver(State state)
    {
        while (!state.Waiters.IsEmpty && TryReserve(state) == true)
        {
            if (state.Waiters.TryDequeue(out var waiter) && waiter.TrySetResult(true))
            {
                continue;
            }

            Interlocked.Decrement(ref state.Active);
        }
    }

    private State StateOf(string destination) =>
        _destinations.GetOrAdd(destination, static (_, initial) => new State(initial), options.InitialDestinationConcurrency);

    /// <summary>Removes an idle destination that learnt nothing, by instance, once it is retired so nobody can take a slot of it.</summary>
    private void TryForget(string destination, State state)
    {
        if (!state.Waiters.IsEmpty
            || Volatile.Read(ref state.Limit) > options.InitialDestinationConcurrency
            || Interlocked.Read(ref state.DeadUntilTicks) > _clock.GetUtcNow().UtcTicks
            || Interlocked.CompareExchange(ref state.Active, Retired, 0) != 0)
        {
            return;
        }

        if (!state.Waiters.IsEmpty)
        {
            // Someone queued between the look and the retirement: back in service, and serve them.
            Interlocked.Exchange(ref state.Active, 0);
            HandOver(state);
            return;
        }

        _destinations.TryRemove(new KeyValuePair<string, State>(destination, state));
    }

    private static void Update(ref int field, Func<int, int> change)
    {
        while (true)
        {
            var current = Volatile.Read(ref field);
            if (Interlocked.CompareExchange(ref field, change(current), current) == current)
            {
                return;
            }
        }
    }

    private sealed class State(int initial)
    {
        /// <summary>Slots in use; <see cref="Retired"/> once the state left the table.</summary>
        public int Active;

        public int Limit = initial;

        /// <summary>Successes since the limit last changed: at "limit" of them it grows by one.</summary>
        public int Credit;

        public long DeadUntilTicks;

        public ConcurrentQueue<TaskCompletionSource<bool>> Waiters { get; } = new();
    }

    private sealed class Slot(DestinationLimiter owner, string destination, State state) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(destination, state);
            }
        }
    }
}
