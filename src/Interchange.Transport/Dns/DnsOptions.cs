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
}
