using System.Globalization;
using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// The embedded SQLite store: one file in WAL mode with <c>synchronous=FULL</c>, migrated at
/// open, one group-committing <see cref="SqliteWriter"/> and a pool of read connections.
/// Several processes (the server and the admin CLI) may open the same file; SQLite's own
/// locking serialises their writers.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    private static int s_initialized;
    private readonly Channel<SqliteConnection> _readers;
    private readonly List<SqliteConnection> _allReaders = [];
    private readonly SqliteOptions _options;

    private SqliteDatabase(SqliteOptions options, SqliteWriter writer)
    {
        _options = options;
        Writer = writer;
        _readers = Channel.CreateBounded<SqliteConnection>(options.Readers);
    }

    public SqliteWriter Writer { get; }

    public string Path => _options.Path;

    /// <summary>Opens (and migrates) the database; every failure is a <see cref="StoreException"/>.</summary>
    public static async Task<SqliteDatabase> OpenAsync(SqliteOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await OpenCoreAsync(options, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw SqliteFailure.Translate(ex);
        }
    }

    private static async Task<SqliteDatabase> OpenCoreAsync(SqliteOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Readers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatch, 1);
        logger ??= NullLogger.Instance;
        if (Interlocked.Exchange(ref s_initialized, 1) == 0)
        {
            SQLitePCL.Batteries_V2.Init();
        }

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path));
        if (!string.IsNullOrEmpty(directory))
        {
            System.IO.Directory.CreateDirectory(directory);
        }

        var writerConnection = Open(options, readOnly: false);
        try
        {
            var target = options.MigrateToVersion ?? SqliteSchema.LatestVersion;
            if (!options.Migrate)
            {
                var current = writerConnection.ExecuteScalar<int>("PRAGMA user_version");
                if (current < target)
                {
                    throw new StoreException($"the store is at schema version {current} and this program needs {target}; a server is running on it: stop it and start this version, which upgrades the store");
                }
            }

            Migrate(writerConnection, target, logger);
        }
        catch
        {
            writerConnection.Dispose();
            throw;
        }

        var database = new SqliteDatabase(options, new SqliteWriter(writerConnection, logger, options.MaxBatch, options.DeferredCommitDelay, options.LockWaitWarning));
        for (var i = 0; i < options.Readers; i++)
        {
            var reader = Open(options, readOnly: true);
            database._allReaders.Add(reader);
            database._readers.Writer.TryWrite(reader);
        }

        await Task.CompletedTask.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return database;
    }

    /// <summary>Runs <paramref name="read"/> on a pooled read-only connection; wrap several statements in a transaction for one snapshot.</summary>
    public async ValueTask<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        SqliteWriter.RequireSynchronous(typeof(T));
        var connection = await _readers.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return read(connection);
        }
        catch (SqliteException ex)
        {
            throw SqliteFailure.Translate(ex);
        }
        finally
        {
            _readers.Writer.TryWrite(connection);
        }
    }

    public Task<T> WriteAsync<T>(Func<SqliteWriteContext, T> work, CancellationToken cancellationToken = default) =>
        Writer.WriteAsync(work, cancellationToken);

    /// <summary>The schema version the file is at.</summary>
    public ValueTask<int> SchemaVersionAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(c => c.ExecuteScalar<int>("PRAGMA user_version"), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync().ConfigureAwait(false);
        _readers.Writer.TryComplete();
        foreach (var reader in _allReaders)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static SqliteConnection Open(SqliteOptions options, bool readOnly)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,

            // Microsoft.Data.Sqlite retries SQLITE_BUSY until its command timeout (30 s by default):
            // keep that in step with the busy timeout so a lock wait has one bound, not two.
            DefaultTimeout = Math.Max(1, (int)options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var busyMs = ((int)options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        connection.Execute($"PRAGMA busy_timeout = {busyMs};");
        if (!readOnly)
        {
            // WAL + FULL: each commit fsyncs the log, so a commit survives a power cut.
            var mode = connection.ExecuteScalar<string>("PRAGMA journal_mode = WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreException($"SQLite refused WAL mode on {options.Path} (got '{mode}')");
            }

            connection.Execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
        }

        return connection;
    }

    private static void Migrate(SqliteConnection connection, int targetVersion, ILogger logger)
    {
        foreach (var migration in SqliteSchema.Migrations.Where(m => m.Version <= targetVersion))
        {
            // IMMEDIATE takes the write lock first, so two processes starting together apply each step once.
            using var transaction = connection.BeginTransaction(deferred: false);
            var current = connection.ExecuteScalar<int>("PRAGMA user_version", transaction: transaction);
            if (current >= migration.Version)
            {
                continue;
            }

            if (current != migration.Version - 1)
            {
                throw new StoreException($"store schema is at version {current}; cannot apply step {migration.Version}");
            }

            connection.Execute(migration.Sql, transaction: transaction);
            connection.Execute($"PRAGMA user_version = {migration.Version.ToString(CultureInfo.InvariantCulture)}", transaction: transaction);
            transaction.Commit();
            logger.LogInformation("Store schema migrated to version {Version}: {Description}", migration.Version, migration.Description);
        }

        var final = connection.ExecuteScalar<int>("PRAGMA user_version");
        if (final > SqliteSchema.LatestVersion)
        {
            throw new StoreException($"store schema version {final} is newer than this build knows ({SqliteSchema.LatestVersion}); upgrade Interchange");
        }
    }
}
