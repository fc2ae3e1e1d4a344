using System.Diagnostics.Metrics;

namespace Interchange.MailAuth;

/// <summary>Verification's instruments (meter <see cref="MeterName"/>): a count per method and result, so an
/// operator sees pass/fail rates of SPF, DKIM, DMARC and ARC, and the time verification takes.</summary>
public static class MailAuthMetrics
{
    public const string MeterName = "Interchange.MailAuth";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Results by <c>method</c> (spf, dkim, dmarc, arc) and <c>result</c> (RFC 8601 words); one per DKIM signature.</summary>
    public static readonly Counter<long> Results = Meter.CreateCounter<long>("interchange.mailauth.results", "{result}", "Authentication results by method and result");

    /// <summary>DMARC dispositions applied (none, quarantine, reject) to messages that failed DMARC.</summary>
    public static readonly Counter<long> Dispositions = Meter.CreateCounter<long>("interchange.mailauth.dmarc_dispositions", "{message}", "DMARC dispositions of failing messages");

    /// <summary>Seconds one message's verification took, all methods.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("interchange.mailauth.duration", "s", "Time to verify one message");

    internal static void Count(string method, string result) =>
        Results.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("result", result));
}
