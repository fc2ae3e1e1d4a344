using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Storage;
using Interchange.Storage.Blobs;
using Interchange.Storage.Changes;
using Interchange.Storage.Content;
using Interchange.Storage.Accounts;
using Interchange.Storage.Mail;
using Interchange.Storage.Sqlite;
using Interchange.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace Interchange.Server.Hosting;

/// <summary>The store and the directory over it, opened on a data folder; shared by the server and the CLI.</summary>
public sealed class StoreServices : IAsyncDisposable
{
    private StoreServices(IStoreBackend backend, IBlobStore blobs, MailboxEvents events, InterchangeOptions options)
    {
        Backend = backend;
        Options = options;
        DirectoryStore = backend.Directory;
        Hasher = new PasswordHasher(options.Directory.PasswordIterations);
        Directory = new DirectoryService(DirectoryStore, Hasher, options.Directory);
        Blobs = blobs;
        Contents = backend.Contents;
        Events = events;
        Queue = backend.Queue;
        Mail = backend.Mail;
    }

    /// <summary>The backends this build has, as <c>Storage:Provider</c> names them.</summary>
    public static readonly IReadOnlyList<string> Providers = [SqliteStoreBackend.Name];

    /// <summary>The backend configuration chose (<c>Storage:Provider</c>).</summary>
    public IStoreBackend Backend { get; }

    /// <summary>The configuration the store was opened with (the admin commands read the primary domain from it).</summary>
    public InterchangeOptions Options { get; }

    public IDirectoryStore DirectoryStore { get; }

    public PasswordHasher Hasher { get; }

    public DirectoryService Directory { get; }

    public IBlobStore Blobs { get; }

    /// <summary>Reads messages' content wherever it is kept; readers use this, never <see cref="Blobs"/>.</summary>
    public IMessageContentStore Contents { get; }

    public Interchange.Storage.Queue.IQueueStore Queue { get; }

    public Interchange.Storage.Mail.IMailStore Mail { get; }

    /// <summary>Changes to mailboxes, for IMAP IDLE: the mailbox topic of <see cref="Changes"/>.</summary>
    public MailboxEvents Events { get; }

    /// <summary>The change feed: mailbox, queue and directory hints (in-process with this backend).</summary>
    public IChangeFeed Changes => Events.Feed;

    /// <param name="migrate">False for the admin CLI while a server runs: never change the schema under it.</param>
    public static async Task<StoreServices> OpenAsync(DataFolder folder, InterchangeOptions options, ILogger logger, bool migrate = true, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(folder.Root);
        var events = new MailboxEvents(new InProcessChangeFeed());
        var blobs = new FileBlobStore(folder.BlobsPath);
        var backend = await OpenBackendAsync(folder, options.Storage, blobs, events, logger, migrate, cancellationToken).ConfigureAwait(false);
        return new StoreServices(backend, blobs, events, options);
    }

    public ValueTask DisposeAsync() => Backend.DisposeAsync();

    /// <summary>
    /// The one place that names a backend type: the provider configuration chose. A new backend
    /// (PostgreSQL) is one more case here and a project of its own beside Interchange.Storage.Sqlite.
    /// </summary>
    private static async Task<IStoreBackend> OpenBackendAsync(DataFolder folder, StorageOptions storage, IBlobStore blobs, MailboxEvents events, ILogger logger, bool migrate, CancellationToken cancellationToken) =>
        storage.Provider.ToLowerInvariant() switch
        {
            SqliteStoreBackend.Name => await SqliteStoreBackend.OpenAsync(
                new SqliteOptions { Path = folder.StorePath, Readers = storage.Readers, MaxBatch = storage.MaxBatch, DeferredCommitDelay = storage.DeferredCommitDelay, LockWaitWarning = storage.LockWaitWarning, Migrate = migrate },
                blobs,
                events,
                logger,
                cancellationToken).ConfigureAwait(false),
            _ => throw new ConfigurationException($"Storage:Provider '{storage.Provider}' is not a store backend this build has (it has: {SqliteStoreBackend.Name})"),
        };
}
