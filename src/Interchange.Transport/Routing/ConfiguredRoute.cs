namespace Interchange.Transport.Routing;

/// <summary>A route from configuration: one element of <c>Transport:Routes</c>.</summary>
public sealed class ConfiguredRoute
{
    /// <summary><c>example.com</c>, <c>*.example.com</c> or <c>*</c>.</summary>
    public string AddressSpace { get; set; } = string.Empty;

    public string Connector { get; set; } = RoutingTable.SmtpConnector;

    public int Cost { get; set; } = 1;

    /// <summary><c>host:port</c> or <c>[ip]:port</c>; none = delivery by MX (smtp only).</summary>
    public string? SmartHost { get; set; }

    /// <summary><c>opportunistic</c> (default) or <c>required</c> (smtp only).</summary>
    public string? Tls { get; set; }

    /// <summary>The foreign system's name (gateway connectors only).</summary>
    public string? Gateway { get; set; }

    /// <summary>The validated routes; throws <see cref="FormatException"/> naming the first bad element.</summary>
    public static IReadOnlyList<RouteEntry> ToEntries(IReadOnlyList<ConfiguredRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var entries = new List<RouteEntry>(routes.Count);
        for (var i = 0; i < routes.Count; i++)
        {
            var r = routes[i];
            try
            {
                entries.Add(RouteEntry.Create(r.AddressSpace, r.Connector, r.Cost, r.SmartHost, r.Tls, r.Gateway, RouteSource.Configuration));
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Transport:Routes:{i}: {ex.Message}", ex);
            }
        }

        return entries;
    }
}
