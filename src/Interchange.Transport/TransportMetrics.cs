using System.Diagnostics.Metrics;

namespace Interchange.Transport;

/// <summary>
/// The transport's instruments (<c>System.Diagnostics.Metrics</c>, meter <see cref="MeterName"/>),
/// exported by whatever listens (the metrics endpoint of the admin issue; a <c>MeterListener</c>
/// in tests). Outcomes carry the connector, the outcome and the enhanced status's class and
/// subject ("5.1", "4.4"), so bounces and deferrals can be counted by reason without a label per
/// remote reply text.
/// </summary>
public static class TransportMetrics
{
    public const string MeterName = "Interchange.Transport";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Delivery attempts started, one per claimed item.</summary>
    public static readonly Counter<long> Attempts = Meter.CreateCounter<long>("interchange.delivery.attempts", "{attempt}", "Delivery attempts, one per recipient");

    /// <summary>Outcomes recorded: delivered, deferred, failed, expired; tagged with the reason.</summary>
    public static readonly Counter<long> Outcomes = Meter.CreateCounter<long>("interchange.delivery.outcomes", "{recipient}", "Delivery outcomes by connector, outcome and status class");

    /// <summary>Outcomes the store refused because the claim's lease had lapsed (the item is another attempt's now).</summary>
    public static readonly Counter<long> StaleOutcomes = Meter.CreateCounter<long>("interchange.delivery.stale_outcomes", "{recipient}", "Outcomes refused after a lapsed lease");

    /// <summary>The status class and subject of a reply ("5.1" of "550 5.1.1 ..."), or its code's class ("5") without one.</summary>
    public static string Reason(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        foreach (var word in reply.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = word.Split('.');
            if (parts.Length == 3 && parts[0] is "2" or "4" or "5" && parts[1].Length is > 0 and <= 3 && parts[1].All(char.IsAsciiDigit))
            {
                return parts[0] + "." + parts[1];
            }
        }

        return reply.Length > 0 && reply[0] is '2' or '4' or '5' ? reply[..1] : "unknown";
    }
}
