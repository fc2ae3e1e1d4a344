using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Hosting;

namespace Interchange.Transport;

/// <summary>
/// Runs the categorizer and every connector's workers for the life of the server (rule 5: every
/// loop stops on its token; what is unfinished stays pending in the store and is found again at
/// the next start, since nothing is owned until the commit that finishes it).
/// </summary>
public sealed class TransportService(
    Categorizer categorizer,
    IEnumerable<IDeliveryConnector> connectors,
    QueueSignal newMessages,
    QueueSignal deliveries,
    TransportOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

        // Work accepted before this start (or left by a crash) needs no pulse to be found, but
        // one saves a poll interval.
        newMessages.Pulse();
        deliveries.Pulse();
        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
