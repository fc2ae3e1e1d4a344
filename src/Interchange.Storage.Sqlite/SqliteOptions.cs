namespace Interchange.Storage.Sqlite;

/// <summary>Settings of the embedded store.</summary>
public sealed class SqliteOptions
{
    /// <summary>Path of the database file.</summary>
    public required string Path { get; init; }

    /// <summary>Read connections kept open.</summary>
    public int Readers { get; init; } = 8;

    /// <summary>Most write requests committed in one transaction.</summary>
    public int MaxBatch { get; init; } = 512;

    /// <summary>How long background work (local delivery) may wait for other work to share its commit; zero: never.</summary>
    public TimeSpan DeferredCommitDelay { get; init; }

    /// <summary>
    /// The lock-wait watchdog's threshold: a write request waiting longer than this for its
    /// transaction, or the writer waiting longer for the database's lock, is logged ("lock wait: …")
    /// and counted (<c>interchange.store.lock_waits</c>). Zero or less turns the watchdog off.
    /// </summary>
    public TimeSpan LockWaitWarning { get; init; } = SqliteWriter.DefaultLockWaitWarning;

    /// <summary>How long a connection waits for another process's lock (the CLI and the server share the file).</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether opening may upgrade the schema. The admin CLI passes false while a server runs on
    /// the folder, so that a newer CLI never changes the schema under an older server.
    /// </summary>
    public bool Migrate { get; init; } = true;

    /// <summary>Stop applying migrations at this version (tests build old schemas with it).</summary>
    public int? MigrateToVersion { get; init; }
}
