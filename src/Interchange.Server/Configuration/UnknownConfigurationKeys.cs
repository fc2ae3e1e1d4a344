using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Interchange.Server.Configuration;

/// <summary>
/// Finds configuration keys that bind to nothing, so a misspelt setting is reported at start instead of silently
/// doing nothing. Keys are matched against the options type the way the binder does (property names,
/// case-insensitive); dictionaries take any key and lists any index.
/// </summary>
public static class UnknownConfigurationKeys
{
    /// <summary>Top-level sections read by something other than <see cref="InterchangeOptions"/>.</summary>
    private static readonly string[] s_otherConsumers =
    [
        "Data",    // INTERCHANGE__DATA: the data folder, read before the configuration
        "Logging", // .NET's logging filters (Logging:LogLevel:…), read by the host
    ];

    public sealed record Finding(string Key, string? Suggestion)
    {
        public override string ToString() => Suggestion is null
            ? $"unknown configuration key '{Key}' is ignored"
            : $"unknown configuration key '{Key}' is ignored (did you mean '{Suggestion}'?)";
    }

    public static IReadOnlyList<Finding> Find(IConfiguration configuration, Type optionsType)
    {
        var findings = new List<Finding>();
        foreach (var section in configuration.GetChildren())
        {
            if (!s_otherConsumers.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                Walk(section, optionsType, prefix: "", findings);
            }
        }

        return findings;
    }

    private static void Walk(IConfigurationSection section, Type type, string prefix, List<Finding> findings)
    {
        var properties = BindableProperties(type);
        var property = properties.FirstOrDefault(p => string.Equals(p.Name, section.Key, StringComparison.OrdinalIgnoreCase));
        if (property is null)
        {
            var closest = Closest(section.Key, properties.Select(p => p.Name));
            findings.Add(new Finding(prefix + section.Key, closest is null ? null : prefix + closest));
            return;
        }

        var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (IsLeaf(propertyType) || typeof(IEnumerable).IsAssignableFrom(propertyType))
        {
            return; // a value, a dictionary (any key) or a list (any index)
        }

        foreach (var child in section.GetChildren())
        {
            Walk(child, propertyType, prefix + property.Name + ":", findings);
        }
    }

    private static PropertyInfo[] BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray();

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Uri) || type == typeof(Guid);

    /// <summary>The known name nearest to <paramref name="key"/>, if it is near enough to be a likely typo.</summary>
    private static string? Closest(string key, IEnumerable<string> names)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in names)
        {
            var distance = Distance(key.ToLowerInvariant(), name.ToLowerInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        // A third of the name (at least 2 edits) still reads as a typo; more is a different word.
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
