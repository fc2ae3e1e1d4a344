namespace Interchange.Transport.Dns;

/// <summary>Which address families a delivery target gets, in which order.</summary>
public enum AddressOrder
{
    /// <summary>A records, then AAAA (the default: IPv4 is the path most mail still takes, and IPv6
    /// senders meet stricter reverse-DNS checks).</summary>
    IPv4First,

    /// <summary>AAAA records, then A.</summary>
    IPv6First,

    /// <summary>A records only (no AAAA lookup).</summary>
    IPv4Only,

    /// <summary>AAAA records only (no A lookup).</summary>
    IPv6Only,
}
