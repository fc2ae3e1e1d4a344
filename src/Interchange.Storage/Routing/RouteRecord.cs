namespace Interchange.Storage.Routing;

/// <summary>
/// One stored route, <c>address space -> connector, cost</c>, as canonical text. The store keeps
/// what it is given: parsing and validating an address space, a smart host or a TLS policy is
/// the routing layer's (Interchange.Transport.Routing), so a second backend repeats no rules.
/// </summary>
/// <param name="AddressSpace">A canonical domain, <c>*.domain</c> or <c>*</c>.</param>
/// <param name="Connector">The connector's name (<c>smtp</c>, a gateway connector's name).</param>
/// <param name="Cost">Lower is preferred among routes of the same specificity.</param>
/// <param name="SmartHost">For <c>smtp</c>: <c>host:port</c> or <c>[ip]:port</c>; null = delivery by MX.</param>
/// <param name="Tls">For <c>smtp</c>: <c>opportunistic</c> or <c>required</c>; null = opportunistic.</param>
/// <param name="Gateway">For a gateway connector: the name of the foreign system it serves.</param>
public sealed record RouteRecord(string AddressSpace, string Connector, int Cost, string? SmartHost = null, string? Tls = null, string? Gateway = null);
