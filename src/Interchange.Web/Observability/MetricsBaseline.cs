using Interchange.Directory.Security;
using Interchange.Storage;
using Interchange.Transport;
using Microsoft.Extensions.Hosting;

namespace Interchange.Web.Observability;

/// <summary>
/// Starts after OpenTelemetry's meter provider (registered after it) and adds zero to the
/// counters that may stay untouched for a long time (lock waits, bounces, auth failures): a
/// Prometheus series that exists from the start reads 0 instead of "no data", and rate() does not
/// miss its first increment. A zero added before the provider listened would be lost, hence here.
/// </summary>
internal sealed class MetricsBaseline : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        StoreMetrics.PublishZeros();
        TransportMetrics.PublishZeros();
        Authenticator.PublishZeros();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
