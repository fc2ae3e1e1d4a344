using Interchange.Transport.Queue;
using Microsoft.Extensions.Hosting;

namespace Interchange.Transport.Bounces;

/// <summary>
/// Runs the <see cref="BounceGenerator"/>'s workers for the life of the server (rule 5: each stops
/// on its token; a failure not yet reported stays unreported in the store and is found again at
/// the next start, since nothing is owned until the transaction that reports it).
/// </summary>
public sealed class BounceService(BounceGenerator generator, QueueSignal failures) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Enumerable.Range(0, Math.Max(1, generator.Workers))
            .Select(i => generator.RunWorkerAsync(i, Math.Max(1, generator.Workers), stoppingToken))
            .ToList();

        // Failures left from before this start need no pulse to be found, but one saves a poll.
        failures.Pulse();
        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
