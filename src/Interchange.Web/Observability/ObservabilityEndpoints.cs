using Interchange.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Interchange.Web.Observability;

/// <summary>
/// <c>/metrics</c> (every <c>Interchange.*</c> meter in the Prometheus text format, through
/// OpenTelemetry's exporter, for the networks of <c>Web:MetricsAllowedNetworks</c>),
/// <c>/healthz</c> (alive: the store can be read) and <c>/readyz</c> (ready: listeners bound and
/// the store writable, see <see cref="Readiness"/>).
/// </summary>
public static class ObservabilityEndpoints
{
    /// <summary>The meters exported: every meter the server's assemblies create (<c>Interchange.Transport</c>, <c>Interchange.Storage</c>…).</summary>
    public const string MeterPattern = "Interchange.*";

    /// <summary>Services this area needs (called once at startup).</summary>
    public static void AddServices(IServiceCollection services, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(new MetricsAccess(options.MetricsAllowedNetworks));
        services.AddSingleton<Readiness>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(MeterPattern)
            .AddPrometheusExporter(o =>
            {
                // Every scrape sees the counters as they are (the default caches 300 ms).
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        services.AddHostedService<MetricsBaseline>();
    }

    /// <summary>Maps this area's endpoints.</summary>
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var access = endpoints.ServiceProvider.GetRequiredService<MetricsAccess>();
        endpoints.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: pipeline => pipeline.Use(async (http, next) =>
        {
            if (!access.Allows(http.Connection.RemoteIpAddress))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync("metrics are not served to this address (Web:MetricsAllowedNetworks)\n", http.RequestAborted).ConfigureAwait(false);
                return;
            }

            await next(http).ConfigureAwait(false);
        }), optionsName: null);

        endpoints.MapGet("/healthz", async (IStoreBackend store, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            try
            {
                var health = await store.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
                return health.Healthy
                    ? Results.Json(new { status = "ok", schema = health.SchemaVersion })
                    : Results.Json(new { status = "unavailable", reason = health.Problem }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Details go to the log, not to whoever asks over HTTP.
                loggers.CreateLogger("Interchange.Web.Health").LogError(ex, "Health check: the store cannot be read");
                return Results.Json(new { status = "unavailable", reason = "store unreadable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        endpoints.MapGet("/readyz", async (Readiness readiness, CancellationToken cancellationToken) =>
        {
            var result = await readiness.CheckAsync(cancellationToken).ConfigureAwait(false);
            return result.Ready
                ? Results.Json(new { status = "ready" })
                : Results.Json(new { status = "unavailable", reason = result.Reason }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
    }
}
