namespace Interchange.Transport.Bounces;

/// <summary>The per-recipient <c>Action</c> of a delivery status notification (RFC 3464 2.3.3).</summary>
public enum DsnAction
{
    /// <summary>Could not be delivered and will not be retried (permanent failure or expiry).</summary>
    Failed,

    /// <summary>Not delivered yet, still being retried (a delay warning).</summary>
    Delayed,

    /// <summary>Delivered to the recipient's mailbox.</summary>
    Delivered,

    /// <summary>Handed to a system that will not send DSNs (RFC 3461 5.2.2).</summary>
    Relayed,

    /// <summary>Delivered to a list or alias whose members get it (RFC 3461 5.2.7).</summary>
    Expanded,
}
