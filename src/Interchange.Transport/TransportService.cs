using Interchange.Storage.Queue;
using Interchange.Transport.Delivery;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport;

/// <summary>
/// Runs the categorizer and local delivery workers for the life of the server (rule 5: every
/// loop stops on its token; what is unfinished stays claimed in the store until its lease
/// lapses or the next start releases this node's claims).
/// </summary>
public sealed class TransportService(
    IQueueStore queue,
    Categorizer categorizer,
    LocalDelivery localDelivery,
    QueueSignal newMessages,
    QueueSignal deliveries,
    TransportOptions options,
    ILogger<TransportService> logger) : BackgroundService
{
    /// <summary>Names this process's claims; a restarted process on this node takes back its predecessor's.</summary>
    public static string NodeName { get; } = Environment.MachineName.ToLowerInvariant();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var released = await queue.ReleaseClaimsAsync(NodeName + ":", stoppingToken).ConfigureAwait(false);
        if (released > 0)
        {
            logger.LogInformation("Took back {Count} queue item(s) claimed by a previous run of this node", released);
        }

        var workers = new List<Task>();
        for (var i = 0; i < options.CategorizerWorkers; i++)
        {
            workers.Add(categorizer.RunWorkerAsync(i, options.CategorizerWorkers, stoppingToken));
        }

        for (var i = 0; i < options.LocalDeliveryWorkers; i++)
        {
            workers.Add(localDelivery.RunWorkerAsync(i, options.LocalDeliveryWorkers, stoppingToken));
        }

        // Work accepted before this start (or left by a crash) needs no pulse to be found, but
        // one saves a poll interval.
        newMessages.Pulse();
        deliveries.Pulse();
        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
