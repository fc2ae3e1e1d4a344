namespace Interchange.Storage.Queue;

/// <summary>
/// The result of a remote attempt for one claimed item, recorded by
/// <see cref="IQueueStore.RecordOutcomeAsync"/> only if the item is still claimed under the fence
/// <see cref="Item"/> names and its lease has not lapsed.
/// </summary>
/// <param name="Reply">The remote server's reply (or what the connector learnt instead: "4.4.1 connection refused"), kept as the item's last reply.</param>
/// <param name="RetryAt">For <see cref="DeliveryOutcomeKind.Deferred"/>: when the item is due again.</param>
public sealed record DeliveryOutcome(DeliveryItem Item, DeliveryOutcomeKind Kind, string Reply, DateTimeOffset? RetryAt = null)
{
    /// <summary>The host that answered ("mx.example.net[192.0.2.1]"), for the DSN's Remote-MTA; null when none did.</summary>
    public string? RemoteMta { get; init; }

    public static DeliveryOutcome Delivered(DeliveryItem item, string reply) => new(item, DeliveryOutcomeKind.Delivered, reply);

    public static DeliveryOutcome Deferred(DeliveryItem item, DateTimeOffset retryAt, string reply) => new(item, DeliveryOutcomeKind.Deferred, reply, retryAt);

    public static DeliveryOutcome Failed(DeliveryItem item, string reply) => new(item, DeliveryOutcomeKind.Failed, reply);
}
