using System.Globalization;
using Interchange.Storage.Routing;
using Interchange.Transport.Connectors;

namespace Interchange.Transport.Routing;

/// <summary>
/// One validated route: <c>address space -> connector, cost</c> and what that connector needs
/// (a smart host and TLS policy for <c>smtp</c>, a foreign system's name for a gateway).
/// </summary>
public sealed record RouteEntry(AddressSpace AddressSpace, string Connector, int Cost, SmartHost? SmartHost, TlsPolicy Tls, string? Gateway, RouteSource Source)
{
    /// <summary>
    /// Two routes with the same key are one route: the store refuses the second, and a stored
    /// route replaces a configured one with the same key (the administrator's latest word).
    /// </summary>
    public (string AddressSpace, string Connector, string SmartHost, string Gateway) Key =>
        (AddressSpace.Value, Connector, SmartHost?.ToString() ?? string.Empty, Gateway ?? string.Empty);

    /// <summary>The stored form.</summary>
    public RouteRecord ToRecord() =>
        new(AddressSpace.Value, Connector, Cost, SmartHost?.ToString(), Connector == RoutingTable.SmtpConnector ? TlsName(Tls) : null, Gateway);

    /// <summary>What the connector does with the route, for people: "smtp via [192.0.2.1]:587, TLS required".</summary>
    public string Describe()
    {
        if (Connector != RoutingTable.SmtpConnector)
        {
            return Gateway is null ? Connector : $"{Connector} (gateway {Gateway})";
        }

        return $"smtp {(SmartHost is null ? "by MX" : "via " + SmartHost)}, TLS {TlsName(Tls)}";
    }

    public static string TlsName(TlsPolicy policy) => policy == TlsPolicy.Required ? "required" : "opportunistic";

    /// <summary>A route from a stored row; a row this version cannot read throws <see cref="FormatException"/>.</summary>
    public static RouteEntry FromRecord(RouteRecord record, RouteSource source = RouteSource.Store)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Create(record.AddressSpace, record.Connector, record.Cost, record.SmartHost, record.Tls, record.Gateway, source);
    }

    /// <summary>Validates a route as an administrator wrote it; throws <see cref="FormatException"/> with what is wrong.</summary>
    public static RouteEntry Create(string addressSpace, string connector, int cost, string? smartHost, string? tls, string? gateway, RouteSource source)
    {
        var space = AddressSpace.Parse(addressSpace);
        var name = (connector ?? string.Empty).Trim().ToLowerInvariant();
        if (name.Length is 0 or > 64 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.') || !char.IsAsciiLetterOrDigit(name[0]))
        {
            throw new FormatException($"'{connector}' is not a connector name: letters, digits, '-', '_' and '.', at most 64");
        }

        if (name == LocalConnector.ConnectorName)
        {
            throw new FormatException("routes cannot name the local connector: local domains route to it by themselves (add one with 'interchange domain add')");
        }

        if (cost < 0)
        {
            throw new FormatException($"cost {cost.ToString(CultureInfo.InvariantCulture)}: a cost is 0 or more");
        }

        var isSmtp = name == RoutingTable.SmtpConnector;
        if (!isSmtp && (smartHost is not null || tls is not null))
        {
            throw new FormatException($"a smart host and a TLS policy belong to smtp routes, not to connector {name}");
        }

        if (isSmtp && gateway is not null)
        {
            throw new FormatException("a gateway name belongs to gateway connectors, not to smtp");
        }

        var policy = (tls?.Trim().ToLowerInvariant()) switch
        {
            null or "opportunistic" => TlsPolicy.Opportunistic,
            "required" => TlsPolicy.Required,
            _ => throw new FormatException($"TLS policy '{tls}': write opportunistic or required"),
        };

        var host = smartHost is null ? null : SmartHost.Parse(smartHost);
        var gatewayName = string.IsNullOrWhiteSpace(gateway) ? null : gateway.Trim();
        return new RouteEntry(space, name, cost, host, policy, gatewayName, source);
    }
}
