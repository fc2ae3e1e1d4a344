using System.Collections.Concurrent;
using System.Reflection;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// Names a piece of store work after the method that wrote it: a lambda compiled as
/// <c>SqliteQueueStore.&lt;EnqueueAsync&gt;b__5_0</c> reads as <c>SqliteQueueStore.EnqueueAsync</c>.
/// The watchdog's log lines use it, so a lock wait names its waiters without every caller
/// passing a label. Cached per method: the set of store methods is small and fixed.
/// </summary>
internal static class WorkNames
{
    private static readonly ConcurrentDictionary<MethodInfo, string> Names = new();

    public static string Of(MethodInfo method) => Names.GetOrAdd(method, Describe);

    private static string Describe(MethodInfo method)
    {
        var type = method.DeclaringType;
        while (type is not null && type.DeclaringType is not null && IsCompilerGenerated(type.Name))
        {
            type = type.DeclaringType; // the closure class <>c__DisplayClass… sits inside the real one
        }

        var name = method.Name;
        if (name.StartsWith('<') && name.IndexOf('>', StringComparison.Ordinal) is var end and > 1)
        {
            name = name[1..end];
        }

        return type is null ? name : $"{type.Name}.{name}";
    }

    private static bool IsCompilerGenerated(string name) => name.Contains('<', StringComparison.Ordinal);
}
