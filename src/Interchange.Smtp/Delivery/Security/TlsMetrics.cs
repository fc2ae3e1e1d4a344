using System.Diagnostics.Metrics;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>The TLS instruments of mail out (meter <see cref="MeterName"/>).</summary>
public static class TlsMetrics
{
    public const string MeterName = "Interchange.Smtp.Tls";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>
    /// SMTP sessions (and hosts refused by a policy before connecting) by <c>policy</c> (none,
    /// opportunistic, required, mta-sts, mta-sts-testing, dane), <c>outcome</c> (plain, encrypted,
    /// verified, failed) and <c>failure</c> (an RFC 8460 4.3 result type, or "none"): the counts a
    /// TLS report is made of.
    /// </summary>
    public static readonly Counter<long> Sessions = Meter.CreateCounter<long>("interchange.transport.tls", "{session}", "Outbound SMTP sessions by TLS policy, outcome and RFC 8460 failure type");
}
