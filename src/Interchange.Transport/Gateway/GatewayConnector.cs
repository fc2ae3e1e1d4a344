using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Gateway;

/// <summary>
/// The connector of one gateway (named as the gateway, <see cref="GatewayOptions.Name"/>): a
/// claimed batch (one message, one recipient domain routed to the gateway) becomes one file in
/// the drop folder (<see cref="GatewayDrop"/>), its envelope the message's sender and the batch's
/// recipients only. Once the file is renamed into place the foreign system has the message, so
/// every recipient is delivered; a folder that cannot be written (missing, full, read-only) defers
/// them all on the retry schedule. A retry after an outcome was lost rewrites the same file name,
/// so the foreign system finds one file, not two (docs/GATEWAY.md).
/// </summary>
public sealed class GatewayConnector : ClaimingConnector
{
    private readonly IMessageContentStore _contents;
    private readonly GatewayDrop _drop;

    /// <param name="gateway">The gateway; its <see cref="GatewayOptions.DropFolder"/> must be set (created when missing).</param>
    public GatewayConnector(
        GatewayOptions gateway,
        IQueueStore queue,
        IMessageContentStore contents,
        RoutingTable routes,
        QueueSignal deliveries,
        QueueSignal? failures,
        TransportOptions transport,
        string node,
        ILogger<GatewayConnector> logger,
        TimeProvider? clock = null)
        : base(
            (gateway ?? throw new ArgumentNullException(nameof(gateway))).Name,
            queue,
            routes,
            deliveries,
            failures,
            transport,
            new ClaimingOptions(gateway.Workers, gateway.Lease, node),
            logger,
            clock)
    {
        ArgumentException.ThrowIfNullOrEmpty(gateway.DropFolder);
        _contents = contents;
        _drop = new GatewayDrop(gateway.DropFolder);
    }

    /// <summary>Where the files go.</summary>
    public GatewayDrop Drop => _drop;

    protected override async Task<IReadOnlyList<AttemptResult>> DeliverAsync(DeliveryBatch batch, RouteDecision route, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var sender = batch.Envelope.MailFrom;
        if (!GatewayEnvelope.CanWrite(sender, isSender: true))
        {
            return batch.Items.Select(i => AttemptResult.Failed(i, "553 5.1.7 the sender cannot be written as an X-Sender field")).ToList();
        }

        var results = new List<AttemptResult>(batch.Items.Count);
        var items = new List<DeliveryItem>(batch.Items.Count);
        foreach (var item in batch.Items)
        {
            if (GatewayEnvelope.CanWrite(item.Recipient, isSender: false))
            {
                items.Add(item);
            }
            else
            {
                results.Add(AttemptResult.Failed(item, "553 5.1.3 the recipient cannot be written as an X-Receiver field"));
            }
        }

        if (items.Count == 0)
        {
            return results;
        }

        string path;
        try
        {
            using var content = _contents.Open(batch.Blob);
            path = await _drop.WriteAsync(batch.MessageId, batch.Domain, new GatewayEnvelope(sender, items.Select(i => i.Recipient).ToList()), content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Disk full, folder gone or read-only: the foreign system has nothing; try again later.
            Logger.LogWarning(ex, "Gateway {Gateway}: message {Id} to {Domain} could not be written to {Folder}", Name, batch.MessageId, batch.Domain, _drop.Folder);
            var reply = $"451 4.3.0 gateway {Name}: the drop folder cannot be written: {ex.Message.ReplaceLineEndings(" ")}";
            return [.. results, .. items.Select(i => AttemptResult.Deferred(i, reply))];
        }

        var written = $"250 2.0.0 written to {Path.GetFileName(path)}";
        return [.. results, .. items.Select(i => AttemptResult.Delivered(i, written))];
    }
}
