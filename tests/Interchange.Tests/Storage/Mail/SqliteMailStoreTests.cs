using Interchange.Storage.Mail;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;

namespace Interchange.Tests.Storage.Mail;

/// <summary>The mail store contract on the embedded SQLite store.</summary>
public sealed class SqliteMailStoreTests : MailStoreContractTests
{
    private SqliteTestDatabase? _database;

    protected override async Task<IMailStore> CreateStoreAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        return new SqliteMailStore(_database.Database);
    }

    public override async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
