namespace Interchange.Core.Concurrency;

/// <summary>
/// A shared disposable object with one owner reference and any number of counted
/// <see cref="Lease{T}"/>s (ARCHITECTURE.md rule 4, seed Q289795). Every reference is released
/// at most once (Interlocked), the last release disposes the object at most once, and no lease
/// can be taken once the count has reached zero, so a dying object is never handed out again.
/// </summary>
public sealed class RefCounted<T>
    where T : class, IDisposable
{
    private readonly T _value;
    private readonly Action<T>? _onDisposed;
    private int _count = 1;
    private int _ownerReleased;
    private int _disposed;

    /// <param name="value">The object; this instance now owns it.</param>
    /// <param name="onDisposed">Called once, right after the object is disposed (for example to drop it from a table, by instance).</param>
    public RefCounted(T value, Action<T>? onDisposed = null)
    {
        _value = value ?? throw new ArgumentNullException(nameof(value));
        _onDisposed = onDisposed;
    }

    /// <summary>References outstanding, the owner's included; 0 once disposed.</summary>
    public int Count => Volatile.Read(ref _count);

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>A new lease, or null when the object is already being disposed.</summary>
    public Lease<T>? TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _count);
            if (current <= 0)
            {
                return null;
            }

            if (Interlocked.CompareExchange(ref _count, current + 1, current) == current)
            {
                return new Lease<T>(this, _value);
            }
        }
    }

    public Lease<T> Acquire() =>
        TryAcquire() ?? throw new ObjectDisposedException(typeof(T).Name, "the shared object has already been released by its owner and every lease");

    /// <summary>The owner lets go of its reference; the object lives until the last lease is released. Idempotent.</summary>
    public void ReleaseOwner()
    {
        if (Interlocked.Exchange(ref _ownerReleased, 1) == 0)
        {
            ReleaseReference();
        }
    }

    internal void ReleaseReference()
    {
        var remaining = Interlocked.Decrement(ref _count);
        if (remaining == 0)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _value.Dispose();
                _onDisposed?.Invoke(_value);
            }
        }
        else if (remaining < 0)
        {
            throw new InvalidOperationException("reference count went below zero: a reference was released twice");
        }
    }
}
