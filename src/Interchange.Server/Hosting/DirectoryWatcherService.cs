using Interchange.Directory.Security;
using Interchange.Server.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Interchange.Server.Hosting;

/// <summary>Runs the <see cref="DirectoryChangeWatcher"/> for the life of the server.</summary>
public sealed class DirectoryWatcherService(DirectoryChangeWatcher watcher, IOptions<InterchangeOptions> options) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await watcher.StartAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        watcher.RunAsync(options.Value.DirectoryPollInterval, stoppingToken);
}
