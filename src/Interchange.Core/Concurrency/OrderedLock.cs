using System.Diagnostics;

namespace Interchange.Core.Concurrency;

/// <summary>
/// A mutual-exclusion lock with a level in the process's one lock order, usable from sync and
/// async code alike. Acquisition is checked by <see cref="LockOrderValidator"/> before waiting;
/// waits longer than <see cref="LockDiagnostics.WatchdogThreshold"/> are reported with the
/// holder's name. Not reentrant: taking it twice in one flow is an order violation, not a hang.
/// </summary>
public sealed class OrderedLock
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private volatile LockHold? _holder;

    public OrderedLock(string name, LockLevel level)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Level = level;
    }

    public string Name { get; }

    public LockLevel Level { get; }

    /// <summary>Who holds it now, for diagnostics; null when free.</summary>
    public string? HolderName => _holder?.HolderName;

    public LockHold Acquire(CancellationToken cancellationToken = default)
    {
        var hold = LockOrderValidator.Enter(this);
        try
        {
            if (!_semaphore.Wait(0, CancellationToken.None))
            {
                var start = Stopwatch.GetTimestamp();
                while (!_semaphore.Wait(LockDiagnostics.WatchdogThreshold, cancellationToken))
                {
                    ReportLongWait(start);
                }
            }
        }
        catch
        {
            hold.Abandon();
            throw;
        }

        return OnAcquired(hold);
    }

    /// <summary>
    /// Acquires asynchronously. The hold is recorded in the caller's flow before this returns,
    /// so the caller must await it in the method that uses the lock.
    /// </summary>
    public ValueTask<LockHold> AcquireAsync(CancellationToken cancellationToken = default)
    {
        var hold = LockOrderValidator.Enter(this);
        if (_semaphore.Wait(0, CancellationToken.None))
        {
            return new ValueTask<LockHold>(OnAcquired(hold));
        }

        return WaitAsync(hold, cancellationToken);
    }

    internal void Release(LockHold hold)
    {
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _holder, null, hold), hold))
        {
            throw new InvalidOperationException($"Lock '{Name}' released by a hold that does not own it");
        }

        _semaphore.Release();
    }

    private async ValueTask<LockHold> WaitAsync(LockHold hold, CancellationToken cancellationToken)
    {
        try
        {
            var start = Stopwatch.GetTimestamp();
            while (!await _semaphore.WaitAsync(LockDiagnostics.WatchdogThreshold, cancellationToken).ConfigureAwait(false))
            {
                ReportLongWait(start);
            }
        }
        catch
        {
            hold.Abandon();
            throw;
        }

        return OnAcquired(hold);
    }

    private LockHold OnAcquired(LockHold hold)
    {
        hold.MarkAcquired();
        _holder = hold;
        return hold;
    }

    private void ReportLongWait(long startTimestamp)
    {
        var holder = _holder;
        TimeSpan? heldFor = holder is null ? null : Stopwatch.GetElapsedTime(holder.AcquiredTimestamp);
        LockDiagnostics.ReportLongWait(new LockWaitReport(Name, Level, Stopwatch.GetElapsedTime(startTimestamp), holder?.HolderName, heldFor, LockFlow.CurrentName));
    }
}
