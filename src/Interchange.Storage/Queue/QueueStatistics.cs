namespace Interchange.Storage.Queue;

/// <summary>Counts for operators and tests; pending deliveries also by connector name (connectors with none are absent).</summary>
/// <param name="OldestReceivedAt">When the oldest message still queued was accepted; null when the queue is empty.</param>
public sealed record QueueStatistics(int NewMessages, int RoutedMessages, int FailedDeliveries, IReadOnlyDictionary<string, int> PendingByConnector, DateTimeOffset? OldestReceivedAt = null)
{
    public int PendingDeliveries => PendingByConnector.Values.Sum();

    /// <summary>Pending deliveries for one connector.</summary>
    public int Pending(string connector) => PendingByConnector.GetValueOrDefault(connector);
}
