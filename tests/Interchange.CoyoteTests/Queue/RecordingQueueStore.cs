using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;

namespace Interchange.CoyoteTests.Queue;

/// <summary>Passes every call to the queue and writes what routing took and which deferrals were accepted in a <see cref="QueueLedger"/>.</summary>
internal sealed class RecordingQueueStore(IQueueStore inner, QueueLedger ledger) : IQueueStore
{
    public Task<long> EnqueueAsync(StagedContent content, Envelope envelope, DateTimeOffset receivedAt, StoredStructure? structure = null, CancellationToken cancellationToken = default) =>
        inner.EnqueueAsync(content, envelope, receivedAt, structure, cancellationToken);

    public Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) => inner.GetStructureAsync(blob, cancellationToken);

    public Task<IReadOnlyList<QueuedMessage>> FindNewAsync(int partition, int partitions, int max, CancellationToken cancellationToken = default) =>
        inner.FindNewAsync(partition, partitions, max, cancellationToken);

    public async Task<int> RouteAsync(IReadOnlyList<(QueuedMessage Message, IReadOnlyList<Route> Routes)> routed, CancellationToken cancellationToken = default)
    {
        var taken = await inner.RouteAsync(routed, cancellationToken);
        ledger.AddRouted(taken);
        return taken;
    }

    public Task DeferNewAsync(long messageId, DateTimeOffset retryAt, CancellationToken cancellationToken = default) =>
        inner.DeferNewAsync(messageId, retryAt, cancellationToken);

    public Task<IReadOnlyList<DeliveryItem>> FindPendingAsync(string connector, int partition, int partitions, int max, CancellationToken cancellationToken = default) =>
        inner.FindPendingAsync(connector, partition, partitions, max, cancellationToken);

    public async Task<IReadOnlyList<long>> SetPendingOutcomeAsync(IReadOnlyList<DeliveryItem> items, DateTimeOffset retryAt, string error, bool fail, CancellationToken cancellationToken = default)
    {
        var changed = await inner.SetPendingOutcomeAsync(items, retryAt, error, fail, cancellationToken);
        ledger.AddAccepted(items, changed, fail ? "failed" : "deferred");
        return changed;
    }

    public Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default) => inner.StatisticsAsync(cancellationToken);

    public Task<int> ForgetSourcesAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => inner.ForgetSourcesAsync(before, cancellationToken);
}
