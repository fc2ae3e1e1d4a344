using Interchange.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Interchange.Web.Observability;

/// <summary>/metrics (Prometheus, OpenTelemetry exporter), /healthz, /readyz.</summary>
public static class ObservabilityEndpoints
{
    /// <summary>Services this area needs (called once at startup).</summary>
    public static void AddServices(IServiceCollection services, WebOptions options)
    {
        _ = services;
        _ = options;
    }

    /// <summary>Maps this area's endpoints.</summary>
    public static void Map(IEndpointRouteBuilder endpoints)
    {
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
    }
}
