using System.Diagnostics.Metrics;

namespace Interchange.Smtp.Milter;

/// <summary>The milter client's instruments (meter <see cref="MeterName"/>): each verdict a milter
/// gave (or its default action gave for it), by milter, stage and verdict; and each failure, by
/// milter and reason (connect, timeout, protocol, io).</summary>
public static class MilterMetrics
{
    public const string MeterName = "Interchange.Milter";

    private static readonly Meter s_meter = new(MeterName);

    public static readonly Counter<long> Verdicts = s_meter.CreateCounter<long>("interchange.milter.verdicts", "{verdict}", "Verdicts by milter, stage and verdict (continue, accept, reject, tempfail, discard)");

    public static readonly Counter<long> Failures = s_meter.CreateCounter<long>("interchange.milter.failures", "{failure}", "Milters that failed a session, by milter and reason");
}
