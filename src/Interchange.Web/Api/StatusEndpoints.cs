using System.Diagnostics;
using System.Reflection;
using Interchange.Core.Net;
using Interchange.Storage;
using Interchange.Storage.Queue;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary><c>/api/v1/status</c>: the server at a glance: version, uptime, listeners, queue depth and oldest message, sessions per protocol, store health.</summary>
internal static class StatusEndpoints
{
    private static readonly DateTimeOffset s_started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/status", GetAsync).WithTags("Status").Produces<StatusView>().Describe("The server's version, uptime, listeners, queue, sessions and store health.");
    }

    private static async Task<IResult> GetAsync(ServerInfo server, IQueueStore queue, IStoreBackend store, SessionHeartbeat heartbeat, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var statistics = await queue.StatisticsAsync(ct).ConfigureAwait(false);
        var health = await store.CheckHealthAsync(ct).ConfigureAwait(false);
        var version = (Assembly.GetEntryAssembly() ?? typeof(StatusEndpoints).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var sessions = heartbeat.Sessions.GroupBy(s => s.Protocol!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return TypedResults.Ok(new StatusView(
            version,
            server.HostName,
            s_started,
            Math.Round((now - s_started).TotalSeconds, 3),
            [.. server.Listeners.Select(l => new ListenerView(l.Protocol, l.Endpoint.Address.ToString(), l.Endpoint.Port, l.ImplicitTls))],
            new QueueStatusView(
                statistics.NewMessages + statistics.PendingDeliveries,
                statistics.NewMessages,
                statistics.PendingDeliveries,
                statistics.FailedDeliveries,
                statistics.PendingByConnector,
                statistics.OldestReceivedAt,
                statistics.OldestReceivedAt is { } oldest ? Math.Round((now - oldest).TotalSeconds, 3) : null),
            sessions,
            new StoreStatusView(store.Provider, health.Healthy, health.SchemaVersion, health.Problem)));
    }
}
