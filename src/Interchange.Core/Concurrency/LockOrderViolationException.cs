namespace Interchange.Core.Concurrency;

/// <summary>
/// Thrown (in Debug builds and test runs) when a flow tries to take a lock whose level is not
/// above every lock it holds. It is thrown before the flow waits, so the inversion is reported
/// instead of becoming a deadlock.
/// </summary>
public sealed class LockOrderViolationException : InvalidOperationException
{
    public LockOrderViolationException(string held, LockLevel heldLevel, string requested, LockLevel requestedLevel)
        : base($"Lock order violation: acquiring '{requested}' ({requestedLevel}, {(int)requestedLevel}) while holding '{held}' ({heldLevel}, {(int)heldLevel}); locks must be taken in strictly ascending level")
    {
        HeldLock = held;
        HeldLevel = heldLevel;
        RequestedLock = requested;
        RequestedLevel = requestedLevel;
    }

    public string HeldLock { get; }

    public LockLevel HeldLevel { get; }

    public string RequestedLock { get; }

    public LockLevel RequestedLevel { get; }
}
