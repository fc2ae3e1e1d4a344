using Interchange.Storage.Accounts;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Storage.Sqlite;

/// <summary>The embedded backend: every store over one SQLite file.</summary>
public sealed class SqliteStoreBackend : IStoreBackend
{
    public const string Name = "sqlite";

    private SqliteStoreBackend(SqliteDatabase database, MailboxEvents events)
    {
        Database = database;
        Directory = new SqliteDirectoryStore(database, changes: events.Feed);
        Queue = new SqliteQueueStore(database);
        Mail = new SqliteMailStore(database, events: events);
    }

    public string Provider => Name;

    /// <summary>The database itself, for the backend's own tests and benchmarks.</summary>
    internal SqliteDatabase Database { get; }

    public IDirectoryStore Directory { get; }

    public IMailStore Mail { get; }

    public IQueueStore Queue { get; }

    public Content.IMessageContentStore OpenContents(Blobs.IBlobStore files) => new SqliteContentStore(Database, files);

    public static async Task<SqliteStoreBackend> OpenAsync(SqliteOptions options, MailboxEvents events, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var database = await SqliteDatabase.OpenAsync(options, logger, cancellationToken).ConfigureAwait(false);
        return new SqliteStoreBackend(database, events);
    }

    public async ValueTask<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var schema = await Database.SchemaVersionAsync(cancellationToken).ConfigureAwait(false);
        return Database.Writer.Fault is null
            ? new StoreHealth(true, schema)
            : new StoreHealth(false, schema, "store writer failed");
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
