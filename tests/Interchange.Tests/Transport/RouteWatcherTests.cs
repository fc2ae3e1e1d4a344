using Interchange.Storage.Changes;
using Interchange.Storage.Routing;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport.Routing;
using Shouldly;

namespace Interchange.Tests.Transport;

/// <summary>The watcher turns stored routes (and configured ones) into the table in use, on the next refresh or change event.</summary>
public sealed class RouteWatcherTests
{
    [Fact]
    public async Task A_stored_change_is_seen_by_the_next_lookup_after_the_refresh_and_stored_routes_win_over_configured_ones()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var store = new SqliteRouteStore(database.Database);
        var table = new RoutingTable();
        var configured = ConfiguredRoute.ToEntries([new ConfiguredRoute { AddressSpace = "example.com", SmartHost = "config.relay.test", Cost = 5 }, new ConfiguredRoute { AddressSpace = "example.org", SmartHost = "org.relay.test" }]);
        var watcher = new RouteWatcher(store, table, configured);

        (await watcher.RefreshAsync(CancellationToken.None)).ShouldBeTrue();
        table.Select("example.com").SmartHost!.Host.ShouldBe("config.relay.test");
        (await watcher.RefreshAsync(CancellationToken.None)).ShouldBeFalse(); // nothing changed: nothing read again

        await store.AddAsync(RouteEntry.Create("example.com", "smtp", 5, "config.relay.test", "required", null, RouteSource.Store).ToRecord());
        table.Select("example.com").Tls.ShouldBe(TlsPolicy.Opportunistic); // not yet refreshed
        (await watcher.RefreshAsync(CancellationToken.None)).ShouldBeTrue();
        var decision = table.Select("example.com");
        decision.Tls.ShouldBe(TlsPolicy.Required);
        decision.Route!.Source.ShouldBe(RouteSource.Store);
        table.Current.Routes.Count.ShouldBe(2);
        table.Select("example.org").SmartHost!.Host.ShouldBe("org.relay.test");
    }

    [Fact]
    public async Task The_running_watcher_applies_a_change_when_the_feed_announces_it()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var feed = new InProcessChangeFeed();
        var store = new SqliteRouteStore(database.Database, changes: feed);
        var table = new RoutingTable();
        var watcher = new RouteWatcher(store, table, [], feed: feed);
        using var stop = new CancellationTokenSource();

        // An interval far beyond the test's bound: only the feed's event can make it look again.
        var running = watcher.RunAsync(TimeSpan.FromHours(1), stop.Token);
        await Eventually.TrueAsync(() => table.Current != RoutingSnapshot.Empty, "the first table read");
        await store.AddAsync(new RouteRecord("example.com", "ccmail", 1));
        await Eventually.TrueAsync(() => table.Select("example.com").Connector == "ccmail", "the added route in use");

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task A_stored_row_this_version_cannot_read_is_skipped_and_the_rest_applies()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var store = new SqliteRouteStore(database.Database);
        await store.AddAsync(new RouteRecord("example.com", "smtp", 1, "not a host!"));
        await store.AddAsync(new RouteRecord("example.org", "ccmail", 1));
        var table = new RoutingTable();
        await new RouteWatcher(store, table, []).RefreshAsync(CancellationToken.None);
        table.Current.Routes.ShouldHaveSingleItem().Connector.ShouldBe("ccmail");
    }
}
