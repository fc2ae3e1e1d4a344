namespace Interchange.Core.Concurrency;

/// <summary>
/// One counted reference to a <see cref="RefCounted{T}"/> object. Releasing is idempotent and
/// thread-safe; using the value after release throws instead of touching a disposed object.
/// </summary>
public sealed class Lease<T> : IDisposable
    where T : class, IDisposable
{
    private readonly RefCounted<T> _owner;
    private readonly T _value;
    private int _released;

    internal Lease(RefCounted<T> owner, T value)
    {
        _owner = owner;
        _value = value;
    }

    public T Value => Volatile.Read(ref _released) == 0
        ? _value
        : throw new ObjectDisposedException(typeof(T).Name, "this lease has been released");

    public bool IsReleased => Volatile.Read(ref _released) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _owner.ReleaseReference();
        }
    }
}
