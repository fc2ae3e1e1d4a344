namespace Interchange.Core.Concurrency;

/// <summary>
/// Names the current logical flow ("imap session 17", "delivery worker 3") so that lock
/// reports say who holds what. The name flows with the async context like the held-lock list.
/// </summary>
public static class LockFlow
{
    private static readonly AsyncLocal<string?> s_name = new();

    public static string CurrentName => s_name.Value ?? $"thread {Environment.CurrentManagedThreadId}";

    /// <summary>Sets the name for this flow and everything it starts; dispose to restore the previous one.</summary>
    public static IDisposable Name(string name)
    {
        var previous = s_name.Value;
        s_name.Value = name;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => s_name.Value = previous;
    }
}
