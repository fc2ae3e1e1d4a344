namespace Interchange.Smtp.Delivery;

/// <summary>
/// Connections to one destination at once, with Postfix's feedback (its queue manager is the
/// anchor): a destination starts at <see cref="SmtpDeliveryOptions.InitialDestinationConcurrency"/>,
/// each success adds 1/limit (so the limit grows by one per "limit" successes) up to
/// <see cref="SmtpDeliveryOptions.DestinationConcurrencyLimit"/>, and each failure to reach it
/// takes one away, down to one. A destination none of whose hosts answered is dead for
/// <see cref="SmtpDeliveryOptions.DeadDestinationTime"/>: its mail is deferred without trying.
/// <para>
/// Thread-safe; the lock guards one destination's numbers and is never held while anything else
/// is called (waiters are completed after it is released). A destination with nothing in flight,
/// nobody waiting and nothing learnt is forgotten, so the table stays as small as the set of busy
/// destinations.
/// </para>
/// </summary>
public sealed class DestinationLimiter(SmtpDeliveryOptions options, TimeProvider? clock = null)
{
    private readonly Dictionary<string, State> _destinations = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Destinations tracked now (for tests and the status page).</summary>
    public int Count
    {
        get
        {
            lock (_destinations)
            {
                return _destinations.Count;
            }
        }
    }

    /// <summary>The current limit of a destination (its initial value when untracked).</summary>
    public int LimitOf(string destination)
    {
        lock (_destinations)
        {
            return _destinations.TryGetValue(destination, out var state) ? state.Limit : options.InitialDestinationConcurrency;
        }
    }

    /// <summary>Connections to a destination in use now.</summary>
    public int ActiveOf(string destination)
    {
        lock (_destinations)
        {
            return _destinations.TryGetValue(destination, out var state) ? state.Active : 0;
        }
    }

    /// <summary>Until when a destination is dead, or null when it may be tried.</summary>
    public DateTimeOffset? DeadUntil(string destination)
    {
        lock (_destinations)
        {
            return _destinations.TryGetValue(destination, out var state) && state.DeadUntil > _clock.GetUtcNow() ? state.DeadUntil : null;
        }
    }

    /// <summary>Waits for a free slot of <paramref name="destination"/>; dispose the slot when the connection is given back.</summary>
    public async Task<IDisposable> AcquireAsync(string destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        TaskCompletionSource waiter;
        lock (_destinations)
        {
            var state = StateOf(destination);
            if (state.Active < state.Limit && state.Waiters.Count == 0)
            {
                state.Active++;
                return new Slot(this, destination);
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            state.Waiters.AddLast(waiter);
        }

        // The slot is handed over by Release (Active already counted for us), or the wait is cancelled.
        using (cancellationToken.Register(() => Abandon(destination, waiter)))
        {
            try
            {
                await waiter.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        return new Slot(this, destination);
    }

    /// <summary>A delivery to the destination reached a server: the limit may grow.</summary>
    public void Succeeded(string destination)
    {
        var wake = new List<TaskCompletionSource>();
        lock (_destinations)
        {
            var state = StateOf(destination);
            state.DeadUntil = DateTimeOffset.MinValue;
            if (++state.Credit >= state.Limit && state.Limit < options.DestinationConcurrencyLimit)
            {
                state.Limit++;
                state.Credit = 0;
            }

            HandOver(state, wake);
        }

        Wake(wake);
    }

    /// <summary>No server of the destination could be reached: the limit shrinks; with <paramref name="dead"/>, it is left alone for a while.</summary>
    public void Failed(string destination, bool dead)
    {
        lock (_destinations)
        {
            var state = StateOf(destination);
            state.Limit = Math.Max(1, state.Limit - 1);
            state.Credit = 0;
            if (dead)
            {
                state.DeadUntil = _clock.GetUtcNow() + options.DeadDestinationTime;
            }
        }
    }

    private void Release(string destination)
    {
        var wake = new List<TaskCompletionSource>();
        lock (_destinations)
        {
            var state = _destinations[destination];
            state.Active--;
            HandOver(state, wake);
            Forget(destination, state);
        }

        Wake(wake);
    }

    private void Abandon(string destination, TaskCompletionSource waiter)
    {
        var cancelled = false;
        lock (_destinations)
        {
            if (_destinations.TryGetValue(destination, out var state) && state.Waiters.Remove(waiter))
            {
                cancelled = true;
                Forget(destination, state);
            }
        }

        // Not in the list any more: the slot was handed over just now, and the slot's owner
        // (AcquireAsync, seeing the task completed) gives it back through Slot.Dispose.
        if (cancelled)
        {
            waiter.TrySetCanceled();
        }
    }

    /// <summary>Gives free slots to waiters, first come first served (under the lock; completed after it).</summary>
    private static void HandOver(State state, List<TaskCompletionSource> wake)
    {
        while (state.Waiters.First is { } first && state.Active < state.Limit)
        {
            state.Waiters.RemoveFirst();
            state.Active++;
            wake.Add(first.Value);
        }
    }

    private static void Wake(List<TaskCompletionSource> wake)
    {
        foreach (var waiter in wake)
        {
            waiter.TrySetResult();
        }
    }

    private State StateOf(string destination)
    {
        if (!_destinations.TryGetValue(destination, out var state))
        {
            state = new State(options.InitialDestinationConcurrency);
            _destinations[destination] = state;
        }

        return state;
    }

    private void Forget(string destination, State state)
    {
        if (state.Active == 0 && state.Waiters.Count == 0 && state.DeadUntil <= _clock.GetUtcNow() && state.Limit <= options.InitialDestinationConcurrency)
        {
            _destinations.Remove(destination);
        }
    }

    private sealed class State(int initial)
    {
        public int Active { get; set; }

        public int Limit { get; set; } = initial;

        /// <summary>Successes since the limit last changed: at "limit" of them it grows by one.</summary>
        public int Credit { get; set; }

        public DateTimeOffset DeadUntil { get; set; } = DateTimeOffset.MinValue;

        public LinkedList<TaskCompletionSource> Waiters { get; } = new();
    }

    private sealed class Slot(DestinationLimiter owner, string destination) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(destination);
            }
        }
    }
}
