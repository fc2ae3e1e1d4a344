using Interchange.Storage.Changes;
using Interchange.Storage.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Transport.Routing;

/// <summary>
/// Keeps a <see cref="RoutingTable"/> in step with the stored routes: when the table's version
/// in the store moves it reads every route, merges the configured ones (a stored route with the
/// same address space, connector and smart host or gateway wins: it is the administrator's latest
/// word, and configuration is read only at start), builds a new <see cref="RoutingSnapshot"/> and
/// publishes it in one swap. It looks when the change feed announces a routing change (writers
/// in this process) and, as the fallback, every poll interval (the admin CLI beside a running
/// server, whose change the feed does not carry).
/// </summary>
public sealed class RouteWatcher(IRouteStore store, RoutingTable table, IReadOnlyList<RouteEntry> configured, ILogger<RouteWatcher>? logger = null, IChangeFeed? feed = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>
    /// Reads the store and publishes a new table if its version moved (or none was read yet);
    /// returns whether it published. Once this returns, every lookup that starts sees the change.
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var current = table.Current;
        if (current != RoutingSnapshot.Empty && await store.VersionAsync(cancellationToken).ConfigureAwait(false) == current.Version)
        {
            return false;
        }

        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<RouteEntry>(configured.Count + stored.Routes.Count);
        entries.AddRange(configured); // first: a stored route with the same key replaces it
        foreach (var record in stored.Routes)
        {
            try
            {
                entries.Add(RouteEntry.FromRecord(record));
            }
            catch (FormatException ex)
            {
                // A row written by a newer version or by hand: the rest of the table still works.
                _logger.LogWarning("Stored route {AddressSpace} -> {Connector} is ignored: {Problem}", record.AddressSpace, record.Connector, ex.Message);
            }
        }

        var published = table.Publish(new RoutingSnapshot(entries, stored.Version));
        if (published)
        {
            _logger.LogInformation("Routing table version {Version}: {Count} route(s) ({Configured} from configuration)", stored.Version, entries.Count, configured.Count);
        }

        return published;
    }

    /// <summary>Refreshes at once, then on each routing change and at the latest every <paramref name="interval"/>, until cancelled.</summary>
    public Task RunAsync(TimeSpan interval, CancellationToken cancellationToken) =>
        ChangeFollower.RunAsync(feed, ChangeTopic.Routing, interval, async ct => await RefreshAsync(ct).ConfigureAwait(false), ex => _logger.LogError(ex, "Reading the routing table failed; the table in use stays and the read is retried"), cancellationToken);
}
