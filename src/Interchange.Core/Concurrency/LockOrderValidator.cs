namespace Interchange.Core.Concurrency;

/// <summary>
/// Tracks the locks each logical flow holds (an <see cref="AsyncLocal{T}"/> list) and checks
/// every acquisition against them before the flow waits: the requested level must be strictly
/// above every held level. An inversion is therefore reported the first time either order is
/// taken, on one thread, long before two threads happen to interleave into a deadlock.
/// </summary>
/// <remarks>
/// The list is immutable: a flow forked while a lock is held (Task.Run) sees a snapshot, and a
/// release in any context marks the hold released, so a stale entry is never counted. A lock
/// taken inside a helper async method and returned to the caller is not tracked in the caller's
/// flow (AsyncLocal changes do not flow out of an async method): acquire where you use it.
/// </remarks>
public static class LockOrderValidator
{
    private static readonly AsyncLocal<LockHold[]?> s_held = new();

    /// <summary>Names of the locks this flow holds, lowest level first.</summary>
    public static IReadOnlyList<string> CurrentlyHeld =>
        (s_held.Value ?? []).Where(h => !h.IsReleased).Select(h => h.Lock.Name).ToArray();

    internal static LockHold Enter(OrderedLock requested)
    {
        var held = s_held.Value;
        LockHold? conflict = null;
        if (held is not null)
        {
            foreach (var hold in held)
            {
                if (!hold.IsReleased && hold.Lock.Level >= requested.Level && (conflict is null || hold.Lock.Level > conflict.Lock.Level))
                {
                    conflict = hold;
                }
            }
        }

        if (conflict is not null)
        {
            var violation = new LockOrderViolationException(conflict.Lock.Name, conflict.Lock.Level, requested.Name, requested.Level);
            LockDiagnostics.ReportViolation(violation);

            // Taking the same lock again would wait on itself forever: refuse it even in Report mode.
            if (LockDiagnostics.Mode == LockValidationMode.Throw || ReferenceEquals(conflict.Lock, requested))
            {
                throw violation;
            }
        }

        var entry = new LockHold(requested, LockFlow.CurrentName);
        s_held.Value = Append(held, entry);
        return entry;
    }

    internal static void Exit(LockHold hold)
    {
        var held = s_held.Value;
        if (held is not null && Array.IndexOf(held, hold) >= 0)
        {
            var live = held.Where(h => !h.IsReleased).ToArray();
            s_held.Value = live.Length == 0 ? null : live;
        }
    }

    private static LockHold[] Append(LockHold[]? held, LockHold entry)
    {
        if (held is null)
        {
            return [entry];
        }

        var live = new List<LockHold>(held.Length + 1);
        foreach (var h in held)
        {
            if (!h.IsReleased)
            {
                live.Add(h);
            }
        }

        live.Add(entry);
        return live.ToArray();
    }
}
