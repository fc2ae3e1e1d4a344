using System.Net;

namespace Interchange.Web.Observability;

/// <summary>
/// Who may scrape <c>/metrics</c>: clients whose address is in one of <c>Web:MetricsAllowedNetworks</c>
/// (CIDR). The default is loopback only, so a Prometheus on the same machine scrapes without
/// configuration and nothing about the server's traffic is told to the internet; name the
/// Prometheus servers' networks to scrape from elsewhere. An empty list refuses everyone.
/// </summary>
public sealed class MetricsAccess
{
    /// <summary>The default: loopback (IPv4 and IPv6).</summary>
    public static IReadOnlyList<string> DefaultNetworks { get; } = ["127.0.0.0/8", "::1/128"];

    private readonly IReadOnlyList<IPNetwork> _networks;

    public MetricsAccess(IEnumerable<string>? networks)
    {
        _networks = Parse(networks ?? DefaultNetworks);
    }

    public IReadOnlyList<IPNetwork> Networks => _networks;

    public bool Allows(IPAddress? client)
    {
        if (client is null)
        {
            return false;
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4(); // a dual-stack socket reports 127.0.0.1 as ::ffff:127.0.0.1
        }

        foreach (var network in _networks)
        {
            if (network.Contains(client))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Problems with <paramref name="networks"/> for configuration validation (empty when every entry is a CIDR network).</summary>
    public static IReadOnlyList<string> Validate(IEnumerable<string>? networks) =>
        (networks ?? []).Where(n => !IPNetwork.TryParse(n?.Trim(), out _))
            .Select(n => $"Web:MetricsAllowedNetworks: '{n}' is not a network in CIDR notation (192.0.2.0/24, 2001:db8::/32, 127.0.0.1/32)")
            .ToList();

    private static List<IPNetwork> Parse(IEnumerable<string> networks)
    {
        var parsed = new List<IPNetwork>();
        foreach (var text in networks)
        {
            if (!IPNetwork.TryParse(text?.Trim(), out var network))
            {
                throw new ArgumentException(Validate([text!])[0], nameof(networks));
            }

            parsed.Add(network);
        }

        return parsed;
    }
}
