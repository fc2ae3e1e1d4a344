using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;

namespace Interchange.Tests.Storage.Queue;

/// <summary>
/// The queue contract on the embedded SQLite store. Each opened store is a database instance of
/// its own on one file, with its own writer connection and no batching (MaxBatch 1), so the
/// concurrent cases meet in SQLite's locking, not in one group-commit writer.
/// </summary>
public sealed class SqliteQueueStoreTests : QueueStoreContractTests
{
    private readonly TempDirectory _directory = new();
    private readonly List<SqliteDatabase> _databases = [];

    protected override async Task<(IQueueStore Queue, IMailStore Mail)> OpenAsync(TimeProvider clock)
    {
        var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _directory.File("store.db"), Readers = 2, MaxBatch = 1 });
        _databases.Add(database);
        return (new SqliteQueueStore(database, clock), new SqliteMailStore(database, clock));
    }

    public override async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        _directory.Dispose();
    }
}
