namespace Interchange.Transport.Dns;

/// <summary>DNS resolver settings (<c>Transport:Dns</c>).</summary>
public sealed class DnsOptions
{
    /// <summary>Resolvers to ask, "ip" or "ip:port" ("[v6]:port" for IPv6 with a port); asked in order.
    /// Empty: the name servers of /etc/resolv.conf (or the system's equivalent).</summary>
    public IList<string> Servers { get; } = [];

    /// <summary>How long to wait for one answer from one server.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Further tries of a server that did not answer (network errors and timeouts only) before
    /// the next server; so one lookup waits at most about Servers x (Retries + 1) x Timeout.</summary>
    public int Retries { get; set; } = 1;

    /// <summary>Keep answers for their TTL (failures are not cached).</summary>
    public bool UseCache { get; set; } = true;

    /// <summary>Longest time an answer is kept, whatever its TTL; null: the TTL.</summary>
    public TimeSpan? MaximumCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A validating resolver ("ip" or "ip:port") on a path we trust (loopback: unbound on this
    /// host), whose AD bit (RFC 4035 3.2.3) is believed: lookups ask it first, with the DO bit (RFC 3225),
    /// and only its answers count as DNSSEC-authenticated. Empty: no answer is authenticated, so DANE
    /// (RFC 7672) is off. DnsClient validates nothing itself; an AD bit from any other server is ignored.</summary>
    public string DnssecResolver { get; set; } = string.Empty;
}
