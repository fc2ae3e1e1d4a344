namespace Interchange.Storage.Queue;

/// <summary>What became of a remote attempt for one recipient.</summary>
public enum DeliveryOutcomeKind
{
    /// <summary>The peer took responsibility for the message (2xx after the data).</summary>
    Delivered,

    /// <summary>A temporary failure: due again at the outcome's retry time.</summary>
    Deferred,

    /// <summary>A permanent failure: the item waits for its bounce.</summary>
    Failed,
}
