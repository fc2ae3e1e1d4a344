using Interchange.Smtp.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>The sink in use today: a log line per session with something to report, and <see cref="TlsMetrics.Sessions"/> for every session.</summary>
public sealed class TlsReportLog : ITlsReportSink
{
    private readonly ILogger _logger;

    public TlsReportLog(ILogger? logger = null) => _logger = logger ?? NullLogger.Instance;

    public void Record(TlsSessionReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        TlsMetrics.Sessions.Add(1,
            new KeyValuePair<string, object?>("policy", TlsSessionReport.Name(report.Policy)),
            new KeyValuePair<string, object?>("outcome", TlsSessionReport.Name(report.Result)),
            new KeyValuePair<string, object?>("failure", report.Failure?.Rfc8460Name() ?? "none"));
        if (report.Failure is { } failure)
        {
            _logger.LogWarning(
                "tls-rpt: {Domain} policy {PolicyType} {PolicyId} mx {Mx}[{Address}]: {Result} {Failure}: {Detail}",
                report.Domain, report.Rfc8460PolicyType, report.PolicyId ?? "-", report.MxHost, report.Address ?? "-", TlsSessionReport.Name(report.Result), failure.Rfc8460Name(), report.Detail);
        }
    }
}
