using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Core.Concurrency;

/// <summary>
/// Process-wide settings and telemetry of the lock kit: the validation mode, the watchdog's
/// threshold, where reports go, and counters an operator can read (<c>/metrics</c> later).
/// Locks are created everywhere, so this is static; the host configures it once at start.
/// </summary>
public static class LockDiagnostics
{
    public const string MeterName = "Interchange.Concurrency";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_violations = s_meter.CreateCounter<long>("interchange.lock.order_violations", description: "Locks taken out of level order");
    private static readonly Counter<long> s_longWaits = s_meter.CreateCounter<long>("interchange.lock.long_waits", description: "Lock waits longer than the watchdog threshold");

    private static long s_violationCount;
    private static long s_longWaitCount;
    private static volatile ILogger s_logger = NullLogger.Instance;
    private static long s_thresholdTicks = TimeSpan.FromSeconds(5).Ticks;

    /// <summary>Throw in Debug builds and tests; report in Release. <c>INTERCHANGE_LOCK_VALIDATION=throw|report</c> overrides.</summary>
    public static LockValidationMode Mode { get; set; } = DefaultMode();

    /// <summary>A wait longer than this is logged with the holder's name, and again at every further multiple.</summary>
    public static TimeSpan WatchdogThreshold
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref s_thresholdTicks));
        set
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "the watchdog threshold must be positive");
            }

            Interlocked.Exchange(ref s_thresholdTicks, value.Ticks);
        }
    }

    public static ILogger Logger
    {
        get => s_logger;
        set => s_logger = value ?? NullLogger.Instance;
    }

    public static long ViolationCount => Interlocked.Read(ref s_violationCount);

    public static long LongWaitCount => Interlocked.Read(ref s_longWaitCount);

    /// <summary>Raised for each long wait (after logging); tests and the health endpoint listen.</summary>
    public static event Action<LockWaitReport>? LongWait;

    /// <summary>Raised for each order violation, in either mode, before throwing or proceeding.</summary>
    public static event Action<LockOrderViolationException>? Violation;

    internal static void ReportViolation(LockOrderViolationException violation)
    {
        Interlocked.Increment(ref s_violationCount);
        s_violations.Add(1);
        s_logger.LogError("{Message}", violation.Message);
        Violation?.Invoke(violation);
    }

    internal static void ReportLongWait(LockWaitReport report)
    {
        Interlocked.Increment(ref s_longWaitCount);
        s_longWaits.Add(1);
        s_logger.LogWarning(
            "Waited {Waited:F1} s for lock '{Lock}' ({Level}); held by {Holder} for {Held:F1} s",
            report.Waited.TotalSeconds,
            report.LockName,
            report.Level,
            report.HolderName ?? "nobody (just released)",
            report.HeldFor?.TotalSeconds ?? 0);
        LongWait?.Invoke(report);
    }

    private static LockValidationMode DefaultMode()
    {
        var configured = Environment.GetEnvironmentVariable("INTERCHANGE_LOCK_VALIDATION");
        if (string.Equals(configured, "throw", StringComparison.OrdinalIgnoreCase))
        {
            return LockValidationMode.Throw;
        }

        if (string.Equals(configured, "report", StringComparison.OrdinalIgnoreCase))
        {
            return LockValidationMode.Report;
        }
#if DEBUG
        return LockValidationMode.Throw;
#else
        return LockValidationMode.Report;
#endif
    }
}
