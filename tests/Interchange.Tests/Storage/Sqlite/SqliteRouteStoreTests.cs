using Interchange.Storage.Accounts;
using Interchange.Storage.Changes;
using Interchange.Storage.Routing;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Sqlite;

/// <summary>The route store contract on the embedded SQLite backend, plus its change announcements.</summary>
public sealed class SqliteRouteStoreTests : RouteStoreContractTests
{
    private readonly InProcessChangeFeed _feed = new();
    private SqliteTestDatabase? _database;

    protected override async Task<(IRouteStore Routes, IDirectoryStore Directory)> CreateStoresAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        return (new SqliteRouteStore(_database.Database, changes: _feed), new SqliteDirectoryStore(_database.Database));
    }

    protected override async Task DisposeStoresAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Each_committed_change_is_announced_on_the_feed_and_a_refused_one_is_not()
    {
        var before = _feed.Version(ChangeTopic.Routing, string.Empty);
        await Routes.AddAsync(new RouteRecord("example.com", "smtp", 1));
        _feed.Version(ChangeTopic.Routing, string.Empty).ShouldBe(before + 1);

        await Should.ThrowAsync<RouteStoreException>(() => Routes.AddAsync(new RouteRecord("example.com", "smtp", 1)));
        _feed.Version(ChangeTopic.Routing, string.Empty).ShouldBe(before + 1);

        await Routes.RemoveAsync("example.com");
        _feed.Version(ChangeTopic.Routing, string.Empty).ShouldBe(before + 2);
    }
}
