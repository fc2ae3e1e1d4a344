namespace Interchange.Smtp.Delivery.Security;

/// <summary>An MTA-STS policy's <c>mode</c> (RFC 8461 5).</summary>
public enum MtaStsMode
{
    /// <summary>No active policy: deliver as without MTA-STS (a domain withdrawing its policy publishes this).</summary>
    None,

    /// <summary>Check and report, never refuse.</summary>
    Testing,

    /// <summary>Deliver only to matching MX hosts over TLS with a certificate valid for the host.</summary>
    Enforce,
}
