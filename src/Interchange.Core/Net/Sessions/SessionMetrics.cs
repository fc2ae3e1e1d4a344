using System.Diagnostics.Metrics;

namespace Interchange.Core.Net.Sessions;

/// <summary>
/// Connections of every server protocol (meter <see cref="MeterName"/>), counted by
/// <see cref="ServerSession"/> so that SMTP, IMAP and POP3 count the same way. The tag
/// <c>protocol</c> is the listener's kind in lower case: <c>smtp</c>, <c>submission</c>,
/// <c>submissions</c>, <c>imap</c>, <c>pop3</c>.
/// </summary>
public static class SessionMetrics
{
    public const string MeterName = "Interchange.Net";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Connections open now (each session adds one on start and takes it away at its close).</summary>
    public static readonly UpDownCounter<long> Open = Meter.CreateUpDownCounter<long>("interchange.connections", "{connection}", "Connections open, by protocol");

    /// <summary>Connections accepted since the start (including those refused at the connection limits).</summary>
    public static readonly Counter<long> Accepted = Meter.CreateCounter<long>("interchange.connections.accepted", "{connection}", "Connections accepted, by protocol");
}
