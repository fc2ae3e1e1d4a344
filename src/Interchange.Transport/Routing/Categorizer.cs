using Interchange.Core.Addressing;
using Interchange.Directory.Resolution;
using Interchange.Storage.Queue;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Routing;

/// <summary>
/// The categorizer ("inbound conversion", ARCHITECTURE.md section 3, step 3): claims accepted
/// messages and resolves each recipient through the directory (aliases, nested groups,
/// catch-all) into one delivery per final destination, deduplicated: a user reached through
/// two groups gets one copy.
/// </summary>
public sealed class Categorizer(IQueueStore queue, RecipientResolver resolver, QueueSignal newMessages, QueueSignal deliveries, TransportOptions options, ILogger<Categorizer> logger)
{
    public async Task RunWorkerAsync(string owner, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var claimed = await queue.ClaimNewAsync(owner, options.ClaimBatch, options.Lease, cancellationToken).ConfigureAwait(false);
                if (claimed.Count == 0)
                {
                    await newMessages.WaitAsync(options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                foreach (var message in claimed)
                {
                    await RouteAsync(message, owner, cancellationToken).ConfigureAwait(false);
                }

                deliveries.Pulse();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Categorizer {Owner} failed; retrying", owner);
                await Pause(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The routes for a message's recipients; unresolvable ones get a failed route for the bounce.</summary>
    public async Task<IReadOnlyList<Route>> RoutesAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        var routes = new List<Route>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var recipient in message.Envelope.Recipients)
        {
            if (!EmailAddress.TryParse(recipient.Address, out var address, out var error))
            {
                routes.Add(new Route(recipient.Address, recipient.Address, IsLocal: false, Error: $"5.1.3 {error}"));
                continue;
            }

            var resolved = await resolver.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
            if (resolved.Count == 0)
            {
                if (seen.Add(address.Key))
                {
                    routes.Add(new Route(address.Key, recipient.Address, IsLocal: true, Error: "5.1.1 no such user here"));
                }

                continue;
            }

            foreach (var destination in resolved)
            {
                var key = destination.IsLocal ? destination.Key : destination.Address;
                if (seen.Add(key))
                {
                    routes.Add(new Route(key, recipient.Address, destination.IsLocal));
                }
            }
        }

        return routes;
    }

    private async Task RouteAsync(QueuedMessage message, string owner, CancellationToken cancellationToken)
    {
        try
        {
            var routes = await RoutesAsync(message, cancellationToken).ConfigureAwait(false);
            if (!await queue.CompleteRoutingAsync(message, owner, routes, cancellationToken).ConfigureAwait(false))
            {
                logger.LogWarning("Categorizer {Owner} lost its claim on message {Id} (lease lapsed); another worker has it", owner, message.Id);
                return;
            }

            logger.LogInformation(
                "Message {Id} from <{From}> routed: {Local} local, {Remote} remote, {Failed} failed",
                message.Id,
                message.Envelope.MailFrom,
                routes.Count(r => r.IsLocal && r.Error is null),
                routes.Count(r => !r.IsLocal && r.Error is null),
                routes.Count(r => r.Error is not null));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Routing message {Id} failed; it will be tried again", message.Id);
            await queue.RetryRoutingAsync(message, owner, DateTimeOffset.UtcNow.AddMinutes(1), ex.Message, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task Pause(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
