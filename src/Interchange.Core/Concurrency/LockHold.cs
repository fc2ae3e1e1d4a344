using System.Diagnostics;

namespace Interchange.Core.Concurrency;

/// <summary>
/// One acquisition of an <see cref="OrderedLock"/>. Disposing it releases the lock exactly once,
/// however many times it is disposed and from whichever thread.
/// </summary>
public sealed class LockHold : IDisposable
{
    private int _released;
    private int _acquired;

    internal LockHold(OrderedLock owner, string holderName)
    {
        Lock = owner;
        HolderName = holderName;
    }

    public OrderedLock Lock { get; }

    /// <summary>The flow that took the lock (see <see cref="LockFlow"/>).</summary>
    public string HolderName { get; }

    internal long AcquiredTimestamp { get; private set; }

    internal bool IsReleased => Volatile.Read(ref _released) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        LockOrderValidator.Exit(this);
        if (Volatile.Read(ref _acquired) != 0)
        {
            Lock.Release(this);
        }
    }

    internal void MarkAcquired()
    {
        AcquiredTimestamp = Stopwatch.GetTimestamp();
        Volatile.Write(ref _acquired, 1);
    }

    /// <summary>The wait failed (cancelled or threw): the flow never held the lock.</summary>
    internal void Abandon()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            LockOrderValidator.Exit(this);
        }
    }
}
