using Interchange.Transport;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Hosting;

namespace Interchange.Server.Hosting;

/// <summary>
/// Runs the <see cref="RouteWatcher"/> for the life of the server. The first table is read
/// before the server starts, so the categorizer never routes by an empty table that the store
/// would contradict.
/// </summary>
public sealed class RouteWatcherService(RouteWatcher watcher, TransportOptions options) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        watcher.RunAsync(options.RoutePollInterval, stoppingToken);
}
