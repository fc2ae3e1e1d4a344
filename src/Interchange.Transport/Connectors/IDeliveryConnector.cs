namespace Interchange.Transport.Connectors;

/// <summary>
/// A way out of the queue (ARCHITECTURE.md section 3, step 4). The categorizer's routes name a
/// connector by <see cref="Name"/>, the name is stored with each delivery, and the connector of
/// that name delivers it: <c>local</c> into mailboxes now; SMTP to other hosts and gateways to
/// come. A connector finds its pending items in the queue
/// (<see cref="Storage.Queue.IQueueStore.FindPendingAsync"/>) and finishes each with a commit
/// that names the item's fence, so a stale worker changes nothing.
/// </summary>
public interface IDeliveryConnector
{
    /// <summary>The name routes and queue rows carry: lower case, stable across releases.</summary>
    string Name { get; }

    /// <summary>How many workers <see cref="RunWorkerAsync"/> runs with.</summary>
    int Workers { get; }

    /// <summary>
    /// Works one partition of the connector's pending deliveries until cancelled; the queue
    /// partitions by destination, so one worker serves a destination (rule 5: returns on the token).
    /// </summary>
    Task RunWorkerAsync(int partition, int partitions, CancellationToken cancellationToken);
}
