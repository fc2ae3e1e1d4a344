using Interchange.Storage.Accounts;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;

namespace Interchange.Tests.Storage.Mail;

/// <summary>The mail store contract on the embedded SQLite store.</summary>
public sealed class SqliteMailStoreTests : MailStoreContractTests
{
    private readonly List<SqliteDatabase> _others = [];
    private SqliteTestDatabase? _database;

    protected override async Task<IMailStore> CreateStoreAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        return new SqliteMailStore(_database.Database);
    }

    /// <summary>A second SqliteDatabase on the same file: its own writer connection and group commit.</summary>
    protected override async Task<IMailStore> OpenAnotherStoreAsync()
    {
        var other = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _database!.Path, Readers = 2 });
        _others.Add(other);
        return new SqliteMailStore(other);
    }

    protected override IQueueStore OpenQueue() => new SqliteQueueStore(_database!.Database);

    protected override IDirectoryStore OpenDirectory() => new SqliteDirectoryStore(_database!.Database);

    public override async Task DisposeAsync()
    {
        foreach (var other in _others)
        {
            await other.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
