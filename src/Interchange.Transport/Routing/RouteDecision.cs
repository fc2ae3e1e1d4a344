namespace Interchange.Transport.Routing;

/// <summary>
/// What the routing table chose for one recipient domain: the connector and, when a route
/// matched, that route (its smart host, TLS policy or gateway); no route is the default, the
/// <c>smtp</c> connector by MX with opportunistic TLS. Immutable: an attempt keeps the decision it
/// started with, whatever the table becomes meanwhile.
/// </summary>
/// <param name="Domain">The recipient domain it was chosen for (canonical).</param>
/// <param name="Connector">The connector that delivers.</param>
/// <param name="Route">The route that matched; null for the default route.</param>
/// <param name="Version">The version of the table it was chosen from.</param>
public sealed record RouteDecision(string Domain, string Connector, RouteEntry? Route, long Version)
{
    public bool IsDefault => Route is null;

    /// <summary>The relay to use; null: the MX of <see cref="Domain"/> (RFC 5321 5.1).</summary>
    public SmartHost? SmartHost => Route?.SmartHost;

    public TlsPolicy Tls => Route?.Tls ?? TlsPolicy.Opportunistic;

    public string? Gateway => Route?.Gateway;

    /// <summary>For people: "smtp to the MX of example.com (default route), TLS opportunistic".</summary>
    public string Describe()
    {
        if (Connector != RoutingTable.SmtpConnector)
        {
            return $"connector {Connector}{(Gateway is null ? string.Empty : $" (gateway {Gateway})")} by route {Route?.AddressSpace.Value} cost {Route?.Cost}";
        }

        var where = SmartHost is null ? $"the MX of {Domain}" : $"smart host {SmartHost}";
        var why = Route is null ? "default route" : $"route {Route.AddressSpace.Value} cost {Route.Cost}";
        return $"connector smtp to {where} ({why}), TLS {RouteEntry.TlsName(Tls)}";
    }
}
