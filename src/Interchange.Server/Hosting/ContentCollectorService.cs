using Interchange.Server.Configuration;
using Interchange.Storage;
using Interchange.Storage.Content;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Server.Hosting;

/// <summary>
/// Runs the store's content collector for the life of the server: a pass every
/// <c>Storage:ReclaimInterval</c>, and a search for orphaned files one grace after start and then
/// every <c>Storage:OrphanSearchInterval</c>. A failed pass is logged and the next one tries again.
/// </summary>
public sealed class ContentCollectorService(IContentCollector collector, StorageOptions options, ILogger<ContentCollectorService> logger, TimeProvider? clock = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextOrphanSearch = _clock.GetUtcNow() + options.ReclaimGrace;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.ReclaimInterval, _clock, stoppingToken).ConfigureAwait(false);
                if (_clock.GetUtcNow() >= nextOrphanSearch)
                {
                    var orphans = await collector.FindOrphansAsync(stoppingToken).ConfigureAwait(false);
                    nextOrphanSearch = _clock.GetUtcNow() + options.OrphanSearchInterval;
                    logger.LogInformation("Content collector: {Orphans} content(s) found that nothing refers to; they go after the grace", orphans);
                }

                var pass = await collector.CollectAsync(stoppingToken).ConfigureAwait(false);
                if (pass.Examined > 0)
                {
                    logger.LogInformation("Content collector: {Reclaimed} content(s) reclaimed, {Kept} referenced again and kept", pass.Reclaimed, pass.Kept);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is StoreException or IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "Content collector: the pass failed; the next one tries again");
            }
        }
    }
}
