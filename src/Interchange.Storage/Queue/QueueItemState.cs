namespace Interchange.Storage.Queue;

/// <summary>A recipient's state in the queue as an administrator sees it (<c>interchange queue list --state</c>).</summary>
public enum QueueItemState
{
    /// <summary>The message is not routed yet: its recipients have no connector.</summary>
    New,

    /// <summary>Pending, never attempted: waiting for its connector.</summary>
    Ready,

    /// <summary>Pending after an attempt that failed temporarily: waiting for its next attempt.</summary>
    Deferred,

    /// <summary>Claimed by a connector worker whose lease has not lapsed: an attempt is under way.</summary>
    InFlight,

    /// <summary>Held by an administrator: never attempted until released.</summary>
    Held,

    /// <summary>Failed permanently: waiting for (or past) its bounce.</summary>
    Failed,

    /// <summary>Delivered; shown while other recipients of its message are not.</summary>
    Delivered,
}
