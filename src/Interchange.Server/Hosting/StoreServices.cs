using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Storage.Blobs;
using Interchange.Storage.Directory;
using Interchange.Storage.Mail;
using Interchange.Storage.Sqlite;
using Interchange.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace Interchange.Server.Hosting;

/// <summary>The store and the directory over it, opened on a data folder; shared by the server and the CLI.</summary>
public sealed class StoreServices : IAsyncDisposable
{
    private StoreServices(SqliteDatabase database, InterchangeOptions options, string blobsPath)
    {
        Database = database;
        Options = options;
        DirectoryStore = new SqliteDirectoryStore(database);
        Hasher = new PasswordHasher(options.Directory.PasswordIterations);
        Directory = new DirectoryService(DirectoryStore, Hasher, options.Directory);
        Blobs = new FileBlobStore(blobsPath);
        Events = new MailboxEvents();
        Queue = new SqliteQueueStore(database, events: Events);
        Mail = new SqliteMailStore(database, events: Events);
    }

    public SqliteDatabase Database { get; }

    /// <summary>The configuration the store was opened with (the admin commands read the primary domain from it).</summary>
    public InterchangeOptions Options { get; }

    public IDirectoryStore DirectoryStore { get; }

    public PasswordHasher Hasher { get; }

    public DirectoryService Directory { get; }

    public IBlobStore Blobs { get; }

    public Interchange.Storage.Queue.IQueueStore Queue { get; }

    public Interchange.Storage.Mail.IMailStore Mail { get; }

    /// <summary>Changes to mailboxes, for IMAP IDLE.</summary>
    public MailboxEvents Events { get; }

    /// <param name="migrate">False for the admin CLI while a server runs: never change the schema under it.</param>
    public static async Task<StoreServices> OpenAsync(DataFolder folder, InterchangeOptions options, ILogger logger, bool migrate = true, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(folder.Root);
        var database = await SqliteDatabase.OpenAsync(
            new SqliteOptions { Path = folder.StorePath, Readers = options.Store.Readers, MaxBatch = options.Store.MaxBatch, Migrate = migrate },
            logger,
            cancellationToken).ConfigureAwait(false);
        return new StoreServices(database, options, folder.BlobsPath);
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
