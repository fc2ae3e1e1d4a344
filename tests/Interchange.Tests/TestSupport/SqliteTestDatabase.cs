using Interchange.Storage.Sqlite;

namespace Interchange.Tests.TestSupport;

/// <summary>A SQLite database in its own temp directory; disposing closes it and deletes the directory.</summary>
public sealed class SqliteTestDatabase : IAsyncDisposable
{
    private readonly TempDirectory _directory;

    private SqliteTestDatabase(TempDirectory directory, SqliteDatabase database)
    {
        _directory = directory;
        Database = database;
    }

    public SqliteDatabase Database { get; }

    public string Path => Database.Path;

    public static async Task<SqliteTestDatabase> CreateAsync(int readers = 4, int maxBatch = 512, TimeSpan deferral = default)
    {
        var directory = new TempDirectory();
        try
        {
            var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = directory.File("store.db"), Readers = readers, MaxBatch = maxBatch, DeferredCommitDelay = deferral });
            return new SqliteTestDatabase(directory, database);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        _directory.Dispose();
    }
}
