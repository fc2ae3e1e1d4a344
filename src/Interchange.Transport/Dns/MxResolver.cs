using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Interchange.Transport.Dns;

/// <summary>Finds where a domain's mail goes (RFC 5321 5.1): MX hosts by preference, equal preferences
/// in random order, each host's addresses; the domain's own addresses when it has no MX (the implicit
/// MX); a permanent failure for a null MX (RFC 7505) or a domain that does not exist, a temporary one
/// when DNS could not answer. Also resolves a configured smart host.</summary>
/// <remarks>Thread-safe when the <see cref="Random"/> given is (the default, <see cref="Random.Shared"/>, is).
/// Choices where RFC 5321 leaves room:
/// an MX host that is an IP address ("10 192.0.2.1") is not a host name (RFC 5321 5.1 requires a name); it is
/// skipped with a note, as Postfix does; an MX host that is a CNAME is followed by the resolver (RFC 5321 5.1
/// says it must not be one, but refusing it helps nobody); a host listed twice keeps its best preference;
/// "." among other MX records is skipped; "." as the only MX is a null MX.</remarks>
public sealed class MxResolver
{
    private readonly IDnsResolver _dns;
    private readonly MxResolverOptions _options;
    private readonly Random _random;

    public MxResolver(IDnsResolver dns, MxResolverOptions options, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxHosts < 1 || options.MaxAddresses < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Transport:Mx:MaxHosts and MaxAddresses must be at least 1");
        }

        if (options.Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Transport:Mx:Port must be 1-65535");
        }

        _dns = dns;
        _options = options;
        _random = random ?? Random.Shared;
    }

    /// <summary>The targets for mail to <paramref name="domain"/> (an A-label domain, or an address literal
    /// such as "[192.0.2.1]" from a recipient like user@[192.0.2.1], RFC 5321 4.1.3).</summary>
    public Task<DeliveryRoute> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        var name = domain.Trim().TrimEnd('.');
        if (name.StartsWith('['))
        {
            return Task.FromResult(ResolveLiteral(name, _options.Port));
        }

        return ResolveDomainAsync(name, _options.Port, cancellationToken);
    }

    /// <summary>The targets of a route's smart host (<see cref="Routing.SmartHost"/>): an address literal
    /// as it is, a name by its own address records (no MX lookup, as Postfix's <c>[host]</c>). Every failure
    /// is temporary: the recipient's domain is not at fault when the operator's relay does not resolve, and
    /// the setting can be mended.</summary>
    public async Task<DeliveryRoute> ResolveSmartHostAsync(Routing.SmartHost smartHost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(smartHost);
        DeliveryRoute route;
        if (smartHost.IsAddressLiteral && IPAddress.TryParse(smartHost.Host, out var address))
        {
            route = DeliveryRoute.To([new DeliveryTarget(smartHost.Host, 0, [address], smartHost.Port)], []);
        }
        else
        {
            var notes = new List<string>();
            var (addresses, temporary, _) = await AddressesAsync(smartHost.Host, _options.MaxAddresses, notes, cancellationToken).ConfigureAwait(false);
            route = addresses.Count > 0
                ? DeliveryRoute.To([new DeliveryTarget(smartHost.Host, 0, addresses, smartHost.Port)], notes)
                : DeliveryRoute.Failed(RouteFailure.Temporary($"smart host {smartHost}: no address{(temporary ? " for now" : string.Empty)}"), notes);
        }

        return route.Failure is { IsPermanent: true } failure
            ? DeliveryRoute.Failed(RouteFailure.Temporary($"smart host {smartHost}: {failure.Reason}"), route.Notes)
            : route;
    }

    private static DeliveryRoute ResolveLiteral(string literal, int port)
    {
        var close = literal.IndexOf(']', StringComparison.Ordinal);
        var inner = close > 0 && close == literal.Length - 1 ? literal[1..close] : string.Empty;
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            inner = inner[5..];
        }

        return IPAddress.TryParse(inner, out var address) && (address.AddressFamily == AddressFamily.InterNetwork) == !literal.Contains(':', StringComparison.Ordinal)
            ? DeliveryRoute.To([new DeliveryTarget(literal, 0, [address], port)], [])
            : DeliveryRoute.Failed(RouteFailure.BadDestination($"{literal} is not an address literal (RFC 5321 4.1.3)"), []);
    }

    private async Task<DeliveryRoute> ResolveDomainAsync(string domain, int port, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var mx = await _dns.GetMxAsync(domain, cancellationToken).ConfigureAwait(false);
        switch (mx.Outcome)
        {
            case DnsOutcome.TemporaryFailure:
                return DeliveryRoute.Failed(RouteFailure.Temporary($"MX lookup for {domain} failed for now: {mx.Reason}"), notes);
            case DnsOutcome.NoSuchDomain:
                return DeliveryRoute.Failed(RouteFailure.BadDestination($"domain {domain} does not exist: {mx.Reason}"), notes);
            case DnsOutcome.NoRecords:
                return await ImplicitMxAsync(domain, port, mx.Authenticated, notes, cancellationToken).ConfigureAwait(false);
        }

        // RFC 7505 3: a null MX is the only MX record, "." of preference 0. A "." next to real hosts is a
        // misconfiguration; those hosts are still worth a try.
        var records = mx.Records;
        if (records.All(r => IsRoot(r.Exchange)))
        {
            return DeliveryRoute.Failed(RouteFailure.NullMx($"domain {domain} accepts no mail (null MX, RFC 7505)"), notes);
        }

        var hosts = new List<DnsMxRecord>();
        foreach (var record in records.OrderBy(r => r.Preference))
        {
            if (IsRoot(record.Exchange))
            {
                notes.Add($"MX {record.Preference} \".\" of {domain} skipped: a null MX among other MX records");
            }
            else if (IPAddress.TryParse(record.Exchange, out _))
            {
                notes.Add($"MX {record.Preference} {record.Exchange} of {domain} skipped: an MX names a host, not an address (RFC 5321 5.1)");
            }
            else if (!hosts.Exists(h => string.Equals(h.Exchange, record.Exchange, StringComparison.OrdinalIgnoreCase)))
            {
                hosts.Add(record);
            }
        }

        ShuffleEqualPreferences(hosts);
        if (hosts.Count > _options.MaxHosts)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{hosts.Count - _options.MaxHosts} MX hosts of {domain} beyond the first {_options.MaxHosts} not tried"));
            hosts.RemoveRange(_options.MaxHosts, hosts.Count - _options.MaxHosts);
        }

        var targets = new List<DeliveryTarget>();
        var budget = _options.MaxAddresses;
        var temporary = false;
        foreach (var host in hosts)
        {
            if (budget == 0)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"MX {host.Preference} {host.Exchange} not tried: {_options.MaxAddresses} addresses already"));
                continue;
            }

            var (addresses, hostTemporary, secure) = await AddressesAsync(host.Exchange, budget, notes, cancellationToken).ConfigureAwait(false);
            temporary |= hostTemporary;
            if (addresses.Count == 0)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"MX {host.Preference} {host.Exchange} skipped: no address{(hostTemporary ? " for now" : string.Empty)}"));
                continue;
            }

            budget -= addresses.Count;
            targets.Add(new DeliveryTarget(host.Exchange, host.Preference, addresses, port) { Authenticated = secure });
        }

        if (targets.Count > 0)
        {
            return DeliveryRoute.To(targets, notes, mx.Authenticated);
        }

        return DeliveryRoute.Failed(
            temporary
                ? RouteFailure.Temporary($"no MX host of {domain} has an address for now")
                : RouteFailure.UnableToRoute($"no MX host of {domain} has an address"),
            notes);
    }

    /// <summary>RFC 5321 5.1: no MX records, so the domain itself is the host, with preference 0.</summary>
    private async Task<DeliveryRoute> ImplicitMxAsync(string domain, int port, bool authenticated, List<string> notes, CancellationToken cancellationToken)
    {
        var lookupsBefore = notes.Count;
        var (addresses, temporary, secure) = await AddressesAsync(domain, _options.MaxAddresses, notes, cancellationToken).ConfigureAwait(false);
        if (addresses.Count > 0)
        {
            notes.Insert(lookupsBefore, $"{domain} has no MX records: its own addresses are the implicit MX (RFC 5321 5.1)");
            return DeliveryRoute.To([new DeliveryTarget(domain, 0, addresses, port) { Authenticated = secure }], notes, authenticated);
        }

        return DeliveryRoute.Failed(
            temporary
                ? RouteFailure.Temporary($"{domain} has no MX records and its addresses could not be looked up for now")
                : RouteFailure.BadDestination($"domain {domain} has no MX records and no address records"),
            notes);
    }

    /// <summary>A host's addresses in the configured family order, at most <paramref name="budget"/>; whether
    /// a lookup failed only for now (which matters when nothing was found); whether every answer with
    /// records was DNSSEC-validated (for DANE).</summary>
    private async Task<(IReadOnlyList<IPAddress> Addresses, bool Temporary, bool Authenticated)> AddressesAsync(string host, int budget, List<string> notes, CancellationToken cancellationToken)
    {
        AddressFamily[] families = _options.AddressOrder switch
        {
            AddressOrder.IPv6First => [AddressFamily.InterNetworkV6, AddressFamily.InterNetwork],
            AddressOrder.IPv4Only => [AddressFamily.InterNetwork],
            AddressOrder.IPv6Only => [AddressFamily.InterNetworkV6],
            _ => [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6],
        };

        var addresses = new List<IPAddress>();
        var temporary = false;
        var authenticated = true;
        foreach (var family in families)
        {
            if (addresses.Count >= budget)
            {
                break;
            }

            var lookup = await _dns.GetAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
            if (lookup.Outcome == DnsOutcome.TemporaryFailure)
            {
                temporary = true;
                notes.Add($"{lookup.Reason}");
            }

            authenticated &= lookup.Records.Count == 0 || lookup.Authenticated;

            foreach (var address in lookup.Records)
            {
                if (addresses.Count < budget && !addresses.Contains(address))
                {
                    addresses.Add(address);
                }
            }

            if (lookup.Outcome == DnsOutcome.NoSuchDomain)
            {
                // No name, no records of any type: the other family need not be asked.
                break;
            }
        }

        return (addresses, temporary, authenticated && addresses.Count > 0);
    }

    /// <summary>RFC 5321 5.1: hosts of equal preference MUST be tried in random order to spread the load.
    /// The list is sorted by preference already; shuffle each run of equals (Fisher-Yates).</summary>
    private void ShuffleEqualPreferences(List<DnsMxRecord> hosts)
    {
        var start = 0;
        while (start < hosts.Count)
        {
            var end = start;
            while (end + 1 < hosts.Count && hosts[end + 1].Preference == hosts[start].Preference)
            {
                end++;
            }

            for (var i = end; i > start; i--)
            {
                var j = _random.Next(start, i + 1);
                (hosts[i], hosts[j]) = (hosts[j], hosts[i]);
            }

            start = end + 1;
        }
    }

    private static bool IsRoot(string exchange) => exchange.Length == 0 || exchange == ".";
}
