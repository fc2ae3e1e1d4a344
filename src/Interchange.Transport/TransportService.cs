using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Interchange.Storage.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport;

/// <summary>
/// Runs the categorizer and every connector's workers for the life of the server (rule 5: every
/// loop stops on its token; what is unfinished stays pending in the store and is found again at
/// the next start, since nothing is owned until the commit that finishes it). Remote attempts
/// are owned by leased claims: those this node held when it stopped are released first, since
/// its workers of before are gone (a crash, kill -9), so they need not wait for their leases.
/// </summary>
public sealed class TransportService(
    Categorizer categorizer,
    IEnumerable<IDeliveryConnector> connectors,
    QueueSignal newMessages,
    QueueSignal deliveries,
    TransportOptions options,
    IQueueStore queue,
    string node,
    ILogger<TransportService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var released = await queue.ReleaseClaimsAsync(node, stoppingToken).ConfigureAwait(false);
            if (released > 0)
            {
                logger.LogWarning("Released {Count} delivery claims node {Node} held when it last stopped (attempts cut short: a peer may have the message already)", released, node);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var workers = new List<Task>();
        for (var i = 0; i < options.CategorizerWorkers; i++)
        {
            workers.Add(categorizer.RunWorkerAsync(i, options.CategorizerWorkers, stoppingToken));
        }

        foreach (var connector in connectors)
        {
            for (var i = 0; i < connector.Workers; i++)
            {
                workers.Add(connector.RunWorkerAsync(i, connector.Workers, stoppingToken));
            }
        }

        workers.Add(SampleQueueAsync(stoppingToken));

        // Work accepted before this start (or left by a crash) needs no pulse to be found, but
        // one saves a poll interval.
        newMessages.Pulse();
        deliveries.Pulse();
        await Task.WhenAll(workers).ConfigureAwait(false);

        // Batches a worker claimed for others and nobody started: released now rather than at the
        // next start (every outcome of an attempt under way was recorded before its worker ended).
        try
        {
            await queue.ReleaseClaimsAsync(node, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Storage.StoreException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "Releasing unstarted delivery claims at stop failed; the next start releases them");
        }
    }

    /// <summary>Samples the queue for the metrics' gauges (depth, pending per connector, oldest age) until stopped.</summary>
    private async Task SampleQueueAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                TransportMetrics.Sample(await queue.StatisticsAsync(stoppingToken).ConfigureAwait(false), DateTimeOffset.UtcNow);
                await Task.Delay(options.MetricsInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Storage.StoreException ex)
            {
                logger.LogWarning(ex, "Sampling the queue for metrics failed");
                try
                {
                    await Task.Delay(options.MetricsInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
