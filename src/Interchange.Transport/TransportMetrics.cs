using System.Diagnostics.Metrics;
using Interchange.Storage.Queue;

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

    /// <summary>Messages made durable and queued, by <c>listener</c> (smtp, submission, submissions, gateway…).</summary>
    public static readonly Counter<long> MessagesAccepted = Meter.CreateCounter<long>("interchange.messages.accepted", "{message}", "Messages accepted into the queue, by listener");

    /// <summary>Delivery status notifications queued (failure and delay DSNs), by <c>action</c> (failed, delayed).</summary>
    public static readonly Counter<long> BouncesSent = Meter.CreateCounter<long>("interchange.bounces.sent", "{message}", "DSNs queued, by action");

    /// <summary>Seconds from a message being queued to one recipient's delivery, by connector (local, smtp…).</summary>
    public static readonly Histogram<double> DeliveryLatency = Meter.CreateHistogram<double>(
        "interchange.delivery.latency", "s", "Time from queueing to delivery, per recipient",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400] });

    /// <summary>Adds zero to the bounce series once the exporter listens, so they read 0 rather than "no data".</summary>
    public static void PublishZeros()
    {
        BouncesSent.Add(0, new KeyValuePair<string, object?>("action", "failed"));
        BouncesSent.Add(0, new KeyValuePair<string, object?>("action", "delayed"));
    }

    /// <summary>Records one delivered recipient: the outcome and its latency.</summary>
    public static void Delivered(string connector, DateTimeOffset receivedAt, DateTimeOffset now)
    {
        var tag = new KeyValuePair<string, object?>("connector", connector);
        DeliveryLatency.Record(Math.Max(0, (now - receivedAt).TotalSeconds), tag);
    }

    private static QueueStatistics? _queue;
    private static DateTimeOffset _sampledAt;

    /// <summary>Messages in the queue (new and routed), as last sampled (<see cref="Sample"/>).</summary>
    public static readonly ObservableGauge<int> QueueDepth = Meter.CreateObservableGauge("interchange.queue.messages", () => Volatile.Read(ref _queue) is { } q ? q.NewMessages + q.RoutedMessages : 0, "{message}", "Messages in the queue");

    /// <summary>Deliveries waiting, per connector, as last sampled.</summary>
    public static readonly ObservableGauge<int> PendingDeliveries = Meter.CreateObservableGauge("interchange.queue.pending", ObservePending, "{recipient}", "Deliveries waiting, by connector");

    /// <summary>Age of the oldest queued message at the last sample, in seconds (0 when empty).</summary>
    public static readonly ObservableGauge<double> OldestAge = Meter.CreateObservableGauge("interchange.queue.oldest_age", () => Volatile.Read(ref _queue)?.OldestReceivedAt is { } oldest ? Math.Max(0, (_sampledAt - oldest).TotalSeconds) : 0, "s", "Age of the oldest queued message");

    /// <summary>Publishes a fresh sample of the queue for the gauges (the transport samples every <c>Transport:MetricsInterval</c>).</summary>
    public static void Sample(QueueStatistics statistics, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        _sampledAt = at;
        Volatile.Write(ref _queue, statistics);
    }

    private static IEnumerable<Measurement<int>> ObservePending() =>
        (Volatile.Read(ref _queue)?.PendingByConnector ?? new Dictionary<string, int>())
            .Select(p => new Measurement<int>(p.Value, new KeyValuePair<string, object?>("connector", p.Key)));

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
