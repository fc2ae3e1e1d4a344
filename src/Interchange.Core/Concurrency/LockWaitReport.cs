namespace Interchange.Core.Concurrency;

/// <summary>One watchdog observation: a flow has waited <see cref="Waited"/> for a lock.</summary>
public sealed record LockWaitReport(string LockName, LockLevel Level, TimeSpan Waited, string? HolderName, TimeSpan? HeldFor, string WaiterName);
