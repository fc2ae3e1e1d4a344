using Interchange.Core.Addressing;
using Interchange.Core.Logging;
using Interchange.Directory.Resolution;
using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Routing;

/// <summary>
/// The categorizer ("inbound conversion", ARCHITECTURE.md section 3, step 3): claims accepted
/// messages and resolves each recipient through the directory (aliases, nested groups,
/// catch-all) into one delivery per final destination, deduplicated: a user reached through
/// two groups gets one copy. Each delivery names the connector the <see cref="RoutingTable"/>
/// chose for it. Each message is parsed once here (Interchange.Mime, streaming, in
/// bounded memory): its envelope names it in the log, and malformed structure is reported.
/// </summary>
public sealed class Categorizer(IQueueStore queue, RecipientResolver resolver, RoutingTable routing, IBlobStore blobs, QueueSignal newMessages, QueueSignal deliveries, TransportOptions options, ILogger<Categorizer> logger)
{
    /// <summary>
    /// Works one partition of the new messages (id mod <paramref name="partitions"/>): reads them,
    /// routes them, and records the routes in one transaction that takes each message only if it
    /// is still new and unclaimed (rule 2: the atomic state change is what makes it ours).
    /// </summary>
    public async Task RunWorkerAsync(int partition, int partitions, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var seen = newMessages.Version; // before looking: a pulse while we look is not lost
                var found = await queue.FindNewAsync(partition, partitions, options.ClaimBatch, cancellationToken).ConfigureAwait(false);
                if (found.Count == 0)
                {
                    await newMessages.WaitAsync(seen, options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var routed = new List<(QueuedMessage, IReadOnlyList<Route>)>(found.Count);
                foreach (var message in found)
                {
                    try
                    {
                        routed.Add((message, await RoutesAsync(message, cancellationToken).ConfigureAwait(false)));
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        logger.LogError(ex, "Routing message {Id} failed; it will be tried again in a minute", message.Id);
                        await queue.DeferNewAsync(message.Id, DateTimeOffset.UtcNow.AddMinutes(1), cancellationToken).ConfigureAwait(false);
                    }
                }

                var taken = await queue.RouteAsync(routed, cancellationToken).ConfigureAwait(false);
                foreach (var (message, routes) in routed)
                {
                    var parsed = await DescribeAsync(message, cancellationToken).ConfigureAwait(false);
                    logger.LogInformation(
                        "Message {Id} {MessageId} from <{From}> routed: {Connectors}; {Failed} failed",
                        message.Id,
                        new LogText(parsed),
                        new LogText(message.Envelope.MailFrom),
                        string.Join(", ", routes.Where(r => r.Error is null).GroupBy(r => r.Connector, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")),
                        routes.Count(r => r.Error is not null));
                }

                if (taken < routed.Count)
                {
                    logger.LogDebug("Categorizer {Partition}: {Lost} message(s) were taken by another worker first", partition, routed.Count - taken);
                }

                deliveries.Pulse();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Categorizer {Partition} failed; retrying", partition);
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
                routes.Add(new Route(recipient.Address, recipient.Address, RoutingTable.SmtpConnector, Error: $"5.1.3 {error}"));
                continue;
            }

            var resolved = await resolver.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
            if (resolved.Count == 0)
            {
                if (seen.Add(address.Key))
                {
                    routes.Add(new Route(address.Key, recipient.Address, LocalConnector.ConnectorName, Error: "5.1.1 no such user here"));
                }

                continue;
            }

            foreach (var destination in resolved)
            {
                var key = destination.IsLocal ? destination.Key : destination.Address;
                if (seen.Add(key))
                {
                    routes.Add(new Route(key, recipient.Address, routing.ConnectorFor(destination)));
                }
            }
        }

        return routes;
    }

    /// <summary>
    /// Parses the message once (the whole structure, streaming) and names it by its Message-ID for
    /// the log; a message that broke the parser's limits is accepted as stored, with a warning.
    /// </summary>
    private async Task<string> DescribeAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await using var content = blobs.OpenRead(message.Blob.Id);
            var structure = await MimeParser.ParseAsync(content, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (structure.LimitsHit != MimeLimits.None)
            {
                logger.LogWarning("Message {Id} exceeds MIME parsing limits ({Limits}); it is delivered as received", message.Id, structure.LimitsHit);
            }

            return structure.Envelope.MessageId ?? "(no Message-ID)";
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            logger.LogWarning(ex, "Message {Id}: its content could not be read for parsing", message.Id);
            return "(unreadable)";
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
