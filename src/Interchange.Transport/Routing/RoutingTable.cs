using System.Collections.Concurrent;
using Interchange.Core.Addressing;
using Interchange.Directory.Resolution;
using Interchange.Transport.Connectors;

namespace Interchange.Transport.Routing;

/// <summary>
/// The live routing table (Exchange's GWART): the current <see cref="RoutingSnapshot"/>, swapped
/// whole when the routes change (<see cref="RouteWatcher"/>), and which connectors are down.
/// Users of this server always go to the local connector (the directory decides what is local;
/// no route can take a local domain); every other destination goes where
/// <see cref="RoutingSnapshot.Select"/> says, by default <see cref="SmtpConnector"/> by MX.
/// <para>
/// A change applies to the next attempt, never to one in flight: the categorizer stores only the
/// connector's name in the delivery; the connector asks <see cref="ForAttempt"/> at the start of
/// each attempt and keeps the immutable <see cref="RouteDecision"/> it got for that attempt.
/// </para>
/// </summary>
public sealed class RoutingTable
{
    /// <summary>The connector that sends to other hosts (by MX, or through a route's smart host).</summary>
    public const string SmtpConnector = "smtp";

    private readonly ConcurrentDictionary<string, byte> _down = new(StringComparer.Ordinal);
    private readonly Func<int, int> _pick;
    private RoutingSnapshot _current;

    /// <param name="pick">Spreads ties: given a count, an index below it (default: random; tests pass a round-robin).</param>
    /// <param name="initial">The first table (default: empty, everything by the default route).</param>
    public RoutingTable(Func<int, int>? pick = null, RoutingSnapshot? initial = null)
    {
        _pick = pick ?? Random.Shared.Next;
        _current = initial ?? RoutingSnapshot.Empty;
    }

    /// <summary>The table now. Hold the object you got: it never changes; the next call may return a newer one.</summary>
    public RoutingSnapshot Current => Volatile.Read(ref _current);

    /// <summary>
    /// Makes <paramref name="next"/> the table for every lookup that starts after this returns.
    /// A snapshot older than the current one (a slow reader of the store racing a faster one) is
    /// dropped; returns whether <paramref name="next"/> was published.
    /// </summary>
    public bool Publish(RoutingSnapshot next)
    {
        ArgumentNullException.ThrowIfNull(next);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (next.Version < current.Version)
            {
                return false;
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, current), current))
            {
                return true;
            }
        }
    }

    /// <summary>The connector for a destination the directory resolved (the categorizer's question).</summary>
    public string ConnectorFor(ResolvedRecipient destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination.IsLocal ? LocalConnector.ConnectorName : Select(DomainOf(destination.Address)).Connector;
    }

    /// <summary>The route for a remote recipient domain, as the categorizer chooses it (down connectors skipped).</summary>
    public RouteDecision Select(string domain) => Current.Select(Canonical(domain), IsDown, _pick);

    /// <summary>
    /// The coordinator's lookup at the start of a delivery attempt: how <paramref name="connector"/>
    /// (the one named in the delivery row) reaches <paramref name="domain"/> under the current
    /// table: its smart host or the MX, its TLS policy, its gateway. Keep the result for the
    /// whole attempt.
    /// </summary>
    public RouteDecision ForAttempt(string domain, string connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        return Current.ForConnector(Canonical(domain), connector, _pick);
    }

    /// <summary>Marks a connector down: routes to it are skipped while another route matches. Returns whether it changed.</summary>
    public bool MarkDown(string connector) => _down.TryAdd(connector, 0);

    /// <summary>Marks a connector up again. Returns whether it changed.</summary>
    public bool MarkUp(string connector) => _down.TryRemove(connector, out _);

    public bool IsDown(string connector) => _down.ContainsKey(connector);

    /// <summary>The domain of an address (after the last '@'), canonical when it parses.</summary>
    public static string DomainOf(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Canonical(address[(address.LastIndexOf('@') + 1)..]);
    }

    private static string Canonical(string domain) =>
        DomainName.TryParse(domain, out var parsed, out _) ? parsed.Value : domain.Trim().ToLowerInvariant();
}
