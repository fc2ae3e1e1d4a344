namespace Interchange.Storage.Mail;

/// <summary>
/// Flag lists as stored: system flags in their canonical case and order first, then keywords
/// alphabetically; no duplicates (flags compare case-insensitively); \Recent is never stored.
/// </summary>
public static class MessageFlags
{
    private static readonly string[] s_system = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

    public const string Deleted = "\\Deleted";

    public static IReadOnlyList<string> Normalize(IEnumerable<string> flags) =>
        flags.Where(f => !string.IsNullOrWhiteSpace(f) && !string.Equals(f, "\\Recent", StringComparison.OrdinalIgnoreCase))
            .Select(f => s_system.FirstOrDefault(s => string.Equals(s, f, StringComparison.OrdinalIgnoreCase)) ?? f)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(f => Array.IndexOf(s_system, f) is var i && i >= 0 ? i : s_system.Length)
            .ThenBy(f => f, StringComparer.OrdinalIgnoreCase)
            .ToList();

    public static IReadOnlyList<string> Apply(IReadOnlyList<string> current, FlagChange change, IReadOnlyList<string> flags) => change switch
    {
        FlagChange.Add => Normalize(current.Concat(flags)),
        FlagChange.Remove => Normalize(current.Where(f => !flags.Contains(f, StringComparer.OrdinalIgnoreCase))),
        _ => Normalize(flags),
    };

    public static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.All(f => b.Contains(f, StringComparer.OrdinalIgnoreCase));

    public static string Store(IReadOnlyList<string> flags) => string.Join(' ', flags);

    /// <summary>
    /// The stored list; system flags come back as one shared string each, and no flags as one
    /// shared empty list, so that the thousands of message records a mailbox view holds do not
    /// each carry their own copies.
    /// </summary>
    public static IReadOnlyList<string> Load(string stored)
    {
        if (stored.Length == 0)
        {
            return [];
        }

        var flags = stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < flags.Length; i++)
        {
            var index = Array.IndexOf(s_system, flags[i]);
            if (index >= 0)
            {
                flags[i] = s_system[index];
            }
        }

        return flags;
    }
}
