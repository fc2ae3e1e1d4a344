using Interchange.Storage.Accounts;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Sqlite;

/// <summary>The directory store contract on the embedded SQLite backend, plus what only it does.</summary>
public sealed class SqliteDirectoryStoreTests : DirectoryStoreContractTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero));
    private TempDirectory? _directory;
    private readonly List<SqliteDatabase> _others = [];
    private SqliteDatabase? _database;

    protected override async Task<IDirectoryStore> CreateStoreAsync()
    {
        _directory = new TempDirectory();
        _database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _directory.File("store.db") });
        return new SqliteDirectoryStore(_database, _clock);
    }

    protected override async Task<IDirectoryStore> OpenAnotherStoreAsync()
    {
        var other = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _database!.Path, Readers = 2 });
        _others.Add(other);
        return new SqliteDirectoryStore(other, _clock);
    }

    protected override async Task DisposeStoreAsync()
    {
        foreach (var other in _others)
        {
            await other.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _directory?.Dispose();
    }

    [Fact]
    public async Task A_domain_records_when_it_was_created_from_the_stores_clock()
    {
        await Store.AddDomainAsync(Domain);
        _clock.Advance(TimeSpan.FromHours(2));
        await Store.AddDomainAsync(OtherDomain);

        var domains = await Store.ListDomainsAsync();

        domains[0].CreatedAt.ShouldBe(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero));
        domains[1].CreatedAt.ShouldBe(new DateTimeOffset(2026, 3, 1, 11, 30, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task The_store_survives_closing_and_reopening_the_file()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com", "hash-1");
        var latest = await Store.LatestChangeAsync();
        var path = _database!.Path;
        await _database.DisposeAsync();

        _database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = path });
        var reopened = new SqliteDirectoryStore(_database);

        (await reopened.GetUserAsync("alice@example.com")).ShouldNotBeNull().PasswordHash.ShouldBe("hash-1");
        (await reopened.LatestChangeAsync()).ShouldBe(latest);
    }
}
