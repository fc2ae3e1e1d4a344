using System.Diagnostics.Metrics;

namespace Interchange.Storage;

/// <summary>
/// The store's instruments (meter <see cref="MeterName"/>): how many write requests each group
/// commit carried, how long a request waited for its transaction, and the lock-wait watchdog's
/// count (ARCHITECTURE.md section 4, rule 5: a hang is a log line and a number, not a mystery).
/// </summary>
public static class StoreMetrics
{
    public const string MeterName = "Interchange.Storage";

    /// <summary>The tag value of <see cref="LockWaits"/> for a request that waited for the single writer.</summary>
    public const string WriterQueue = "writer_queue";

    /// <summary>The tag value of <see cref="LockWaits"/> for the writer waiting on another connection's lock (SQLITE_BUSY).</summary>
    public const string Busy = "busy";

    /// <summary>The tag value of <see cref="LockWaits"/> for a writer seen holding its transaction past the threshold while requests wait.</summary>
    public const string Stalled = "stalled";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Requests per group commit.</summary>
    public static readonly Histogram<int> WriteBatchSize = Meter.CreateHistogram<int>(
        "interchange.store.write_batch_size", "{request}", "Write requests committed per transaction (group commit)",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    /// <summary>Seconds from a write request being queued to its transaction beginning.</summary>
    public static readonly Histogram<double> WriteWait = Meter.CreateHistogram<double>(
        "interchange.store.write_wait", "s", "Time a write request waited for its transaction to begin",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>
    /// Adds zero to each lock-wait series, once the exporter listens: a series present from the
    /// start reads 0 rather than "no data", and rate() sees its first increment.
    /// </summary>
    public static void PublishZeros()
    {
        foreach (var kind in new[] { WriterQueue, Busy, Stalled })
        {
            LockWaits.Add(0, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Waits longer than <c>Storage:LockWaitWarning</c>, by kind (<see cref="WriterQueue"/>, <see cref="Busy"/>, <see cref="Stalled"/>).</summary>
    public static readonly Counter<long> LockWaits = Meter.CreateCounter<long>(
        "interchange.store.lock_waits", "{wait}", "Waits on the store's writer or the database lock longer than the watchdog threshold");
}
