using Interchange.Storage.Accounts;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Storage.Sqlite;

/// <summary>The embedded backend: every store over one SQLite file.</summary>
public sealed class SqliteStoreBackend : IStoreBackend
{
    public const string Name = "sqlite";

    private readonly Blobs.IBlobStore _files;

    private SqliteStoreBackend(SqliteDatabase database, Blobs.IBlobStore files, MailboxEvents events)
    {
        Database = database;
        _files = files;
        var contents = new SqliteContentStore(database, files);
        Contents = contents;
        Directory = new SqliteDirectoryStore(database, changes: events.Feed);
        Queue = new SqliteQueueStore(database, contents: contents);
        Mail = new SqliteMailStore(database, events: events, contents: contents);
        Routes = new SqliteRouteStore(database, changes: events.Feed);
    }

    public string Provider => Name;

    /// <summary>The database itself, for the backend's own tests and benchmarks.</summary>
    internal SqliteDatabase Database { get; }

    public IDirectoryStore Directory { get; }

    public IMailStore Mail { get; }

    public IQueueStore Queue { get; }

    public Routing.IRouteStore Routes { get; }

    public Content.IMessageContentStore Contents { get; }

    public Content.IContentCollector CreateCollector(Content.ContentCollectionOptions options, TimeProvider? clock = null) =>
        new SqliteContentCollector(Database, _files, options, clock);

    /// <param name="files">Where content above the inline size is kept.</param>
    public static async Task<SqliteStoreBackend> OpenAsync(SqliteOptions options, Blobs.IBlobStore files, MailboxEvents events, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var database = await SqliteDatabase.OpenAsync(options, logger, cancellationToken).ConfigureAwait(false);
        return new SqliteStoreBackend(database, files, events);
    }

    public async ValueTask<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var schema = await Database.SchemaVersionAsync(cancellationToken).ConfigureAwait(false);
        return Database.Writer.Fault is null
            ? new StoreHealth(true, schema)
            : new StoreHealth(false, schema, "store writer failed");
    }

    /// <summary>Upserts one row of <c>settings</c> (<c>readiness_probe</c>: the time) in a durable commit of its own or a shared one.</summary>
    public Task ProbeWriteAsync(CancellationToken cancellationToken = default) =>
        Database.Writer.WriteAsync(
            w => w.Execute(
                "INSERT INTO settings(name, value) VALUES ('readiness_probe', @at) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                new { at = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }),
            cancellationToken);

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
