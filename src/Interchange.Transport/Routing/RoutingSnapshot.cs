namespace Interchange.Transport.Routing;

/// <summary>
/// One version of the routing table, immutable: built whole, then published by one reference
/// swap (<see cref="RoutingTable.Publish"/>), so a reader sees either the old table or the new,
/// never a mixture (ARCHITECTURE.md rule 4: immutable snapshots over shared mutable objects).
/// Routes are kept most specific first, then cheapest first.
/// </summary>
public sealed class RoutingSnapshot
{
    private readonly RouteEntry[] _routes;

    /// <param name="routes">The routes; a later route with the same <see cref="RouteEntry.Key"/> replaces an earlier one.</param>
    /// <param name="version">The store's version of the table these routes were read at.</param>
    public RoutingSnapshot(IEnumerable<RouteEntry> routes, long version)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var byKey = new Dictionary<(string, string, string, string), RouteEntry>();
        foreach (var route in routes)
        {
            byKey[route.Key] = route;
        }

        _routes = [.. byKey.Values
            .OrderByDescending(r => r.AddressSpace.Specificity)
            .ThenBy(r => r.Cost)
            .ThenBy(r => r.AddressSpace.Value, StringComparer.Ordinal)
            .ThenBy(r => r.Connector, StringComparer.Ordinal)];
        Version = version;
    }

    /// <summary>The table before any was read: no routes, everything by the default route.</summary>
    public static RoutingSnapshot Empty { get; } = new([], -1);

    public long Version { get; }

    /// <summary>Every route, most specific first, then cheapest first.</summary>
    public IReadOnlyList<RouteEntry> Routes => _routes;

    /// <summary>The routes whose address space contains <paramref name="domain"/>, in order of preference.</summary>
    public IReadOnlyList<RouteEntry> Matching(string domain) => [.. _routes.Where(r => r.AddressSpace.Matches(domain))];

    /// <summary>
    /// The route for <paramref name="domain"/>: among the matching routes, the most specific
    /// address space, then the lowest cost, with ties spread by <paramref name="pick"/> (given a
    /// count, an index below it). A route whose connector <paramref name="isDown"/> is skipped
    /// while another matching route's connector is up, at any specificity; when every match is
    /// down the best is kept (the mail waits for that connector rather than leaving by a way the
    /// administrator did not give it). No match: the default route, <c>smtp</c> by MX.
    /// </summary>
    public RouteDecision Select(string domain, Func<string, bool> isDown, Func<int, int> pick)
    {
        ArgumentNullException.ThrowIfNull(isDown);
        ArgumentNullException.ThrowIfNull(pick);
        var matching = Matching(domain);
        if (matching.Count == 0)
        {
            return new RouteDecision(domain, RoutingTable.SmtpConnector, null, Version);
        }

        var up = matching.Where(r => !isDown(r.Connector)).ToList();
        var candidates = up.Count > 0 ? up : [.. matching];
        var best = candidates[0];
        var tied = candidates.TakeWhile(r => r.AddressSpace.Specificity == best.AddressSpace.Specificity && r.Cost == best.Cost).ToList();
        var index = tied.Count == 1 ? 0 : pick(tied.Count);
        return new RouteDecision(domain, tied[Math.Clamp(index, 0, tied.Count - 1)].Connector, tied[Math.Clamp(index, 0, tied.Count - 1)], Version);
    }

    /// <summary>
    /// The best route for <paramref name="domain"/> among those to <paramref name="connector"/>
    /// (ties spread by <paramref name="pick"/>): what a connector delivers by at an attempt. None
    /// matches any more (the route was removed after the delivery was routed): the default for
    /// <c>smtp</c> (by MX), and for any other connector a decision with no route, which that
    /// connector defers.
    /// </summary>
    public RouteDecision ForConnector(string domain, string connector, Func<int, int> pick)
    {
        ArgumentNullException.ThrowIfNull(pick);
        var matching = Matching(domain).Where(r => r.Connector == connector).ToList();
        if (matching.Count == 0)
        {
            return new RouteDecision(domain, connector, null, Version);
        }

        var best = matching[0];
        var tied = matching.TakeWhile(r => r.AddressSpace.Specificity == best.AddressSpace.Specificity && r.Cost == best.Cost).ToList();
        var chosen = tied[tied.Count == 1 ? 0 : Math.Clamp(pick(tied.Count), 0, tied.Count - 1)];
        return new RouteDecision(domain, connector, chosen, Version);
    }
}
