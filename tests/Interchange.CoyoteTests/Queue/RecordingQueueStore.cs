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

    public Task<IReadOnlyList<DeliveryBatch>> ClaimAsync(string connector, string owner, int maxBatches, TimeSpan lease, string? domain = null, CancellationToken cancellationToken = default) =>
        inner.ClaimAsync(connector, owner, maxBatches, lease, domain, cancellationToken);

    public Task<IReadOnlyList<long>> RenewLeaseAsync(IReadOnlyList<DeliveryItem> items, TimeSpan lease, CancellationToken cancellationToken = default) =>
        inner.RenewLeaseAsync(items, lease, cancellationToken);

    public async Task<IReadOnlyList<long>> RecordOutcomeAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        var recorded = await inner.RecordOutcomeAsync(outcomes, cancellationToken);
        foreach (var kind in outcomes.GroupBy(o => o.Kind))
        {
            ledger.AddAccepted(kind.Select(o => o.Item), recorded, kind.Key.ToString());
        }

        return recorded;
    }

    public Task<int> ReleaseClaimsAsync(string node, CancellationToken cancellationToken = default) => inner.ReleaseClaimsAsync(node, cancellationToken);

    public Task<IReadOnlyList<QueueEntry>> ListAsync(QueueFilter filter, int max = 1000, CancellationToken cancellationToken = default) => inner.ListAsync(filter, max, cancellationToken);

    public Task<QueueEntry?> ShowAsync(long messageId, CancellationToken cancellationToken = default) => inner.ShowAsync(messageId, cancellationToken);

    public Task<int> RetryAsync(QueueFilter filter, CancellationToken cancellationToken = default) => inner.RetryAsync(filter, cancellationToken);

    public Task<int> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public Task<int> HoldAsync(QueueFilter filter, CancellationToken cancellationToken = default) => inner.HoldAsync(filter, cancellationToken);

    public Task<int> ReleaseAsync(QueueFilter filter, CancellationToken cancellationToken = default) => inner.ReleaseAsync(filter, cancellationToken);

    public Task<int> DeleteAsync(QueueFilter filter, CancellationToken cancellationToken = default) => inner.DeleteAsync(filter, cancellationToken);

    public Task<IReadOnlyList<UnreportedMessage>> FindUnreportedAsync(int max, CancellationToken cancellationToken = default) => inner.FindUnreportedAsync(max, cancellationToken);

    public Task<IReadOnlyList<DelayedMessage>> FindDelayedAsync(DateTimeOffset acceptedBefore, int max, CancellationToken cancellationToken = default) => inner.FindDelayedAsync(acceptedBefore, max, cancellationToken);

    public Task<FailureReport> WarnDelayAsync(long messageId, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default) => inner.WarnDelayAsync(messageId, dsn, dsnEnvelope, cancellationToken);

    public async Task<FailureReport> ReportAsync(UnreportedMessage message, StagedContent? dsn, Envelope? dsnEnvelope, CancellationToken cancellationToken = default)
    {
        var report = await inner.ReportAsync(message, dsn, dsnEnvelope, cancellationToken);
        if (report.Reported)
        {
            ledger.AddReported(message.Failures);
        }

        return report;
    }

    public Task<int> BounceAsync(QueueFilter filter, CancellationToken cancellationToken = default) => inner.BounceAsync(filter, cancellationToken);

    public Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default) => inner.StatisticsAsync(cancellationToken);

    public Task<int> ForgetSourcesAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => inner.ForgetSourcesAsync(before, cancellationToken);
}
