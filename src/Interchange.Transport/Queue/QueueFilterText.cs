using System.Globalization;
using Interchange.Storage.Queue;

namespace Interchange.Transport.Queue;

/// <summary>
/// How administrators write queue filters, the same in <c>interchange queue</c> and the admin
/// API: ages (<c>90s</c>, <c>30m</c>, <c>2h</c>, <c>5d</c>, <c>1w</c>, a number of seconds, or
/// <c>d.hh:mm:ss</c>) and state names.
/// </summary>
public static class QueueFilterText
{
    /// <summary>The state names, as listed in errors and help.</summary>
    public const string StateNames = "new, ready, deferred, inflight, held, failed, delivered";

    public static bool TryParseAge(string text, out TimeSpan age)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        age = default;
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds < 100_000_000_000)
        {
            age = TimeSpan.FromSeconds(seconds);
            return true;
        }

        if (t.Length >= 2 && long.TryParse(t.AsSpan(0, t.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 100_000_000)
        {
            TimeSpan? unit = char.ToLowerInvariant(t[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                'w' => TimeSpan.FromDays(7 * n),
                _ => null,
            };
            if (unit is { } value)
            {
                age = value;
                return true;
            }
        }

        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out age) && age >= TimeSpan.Zero;
    }

    public static bool TryParseState(string text, out QueueItemState state)
    {
        ArgumentNullException.ThrowIfNull(text);
        QueueItemState? parsed = text.Trim().ToLowerInvariant() switch
        {
            "new" => QueueItemState.New,
            "ready" or "active" => QueueItemState.Ready,
            "deferred" => QueueItemState.Deferred,
            "inflight" or "in-flight" => QueueItemState.InFlight,
            "held" or "hold" => QueueItemState.Held,
            "failed" => QueueItemState.Failed,
            "delivered" => QueueItemState.Delivered,
            _ => null,
        };
        state = parsed ?? default;
        return parsed is not null;
    }

    public static string StateName(QueueItemState state) => state == QueueItemState.InFlight ? "inflight" : state.ToString().ToLowerInvariant();
}
