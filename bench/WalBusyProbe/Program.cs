using System.Diagnostics;
using Microsoft.Data.Sqlite;

// One writer connection committing small batches (BEGIN IMMEDIATE, WAL, synchronous=FULL, as
// SqliteWriter does) while read-only connections run short read transactions (as the store's
// reader pool does), optionally with a second process-like writer (the admin CLI). Counts how
// how long its commits took: a commit that waited on a lock shows as a slow one (the old
// SQLite's busy handler and WAL retries slept whole seconds).
// Usage: WalBusyProbe <folder> <seconds> <readers> <cli writes per second>
var folder = args[0];
var seconds = int.Parse(args[1]);
var readerCount = int.Parse(args[2]);
var cliPerSecond = int.Parse(args[3]);
var path = Path.Combine(folder, "probe.db");
SQLitePCL.Batteries_V2.Init();

SqliteConnection Open(bool readOnly)
{
    var c = new SqliteConnection(new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        Pooling = false,
        DefaultTimeout = 10,
    }.ToString());
    c.Open();
    Exec(c, "PRAGMA busy_timeout = 10000;");
    if (!readOnly)
    {
        Exec(c, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
    }

    return c;
}

static void Exec(SqliteConnection c, string sql)
{
    using var command = c.CreateCommand();
    command.CommandText = sql;
    command.ExecuteNonQuery();
}

var writer = Open(readOnly: false);
Exec(writer, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
var version = new SqliteCommand("SELECT sqlite_version()", writer).ExecuteScalar();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
long reads = 0, cliWrites = 0;
var readers = Enumerable.Range(0, readerCount).Select(_ => Task.Run(() =>
{
    using var reader = Open(readOnly: true);
    while (!stop.IsCancellationRequested)
    {
        using var tx = reader.BeginTransaction(deferred: true);
        using var command = reader.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT COUNT(*) FROM t WHERE id > (SELECT MAX(id) - 50 FROM t)";
        command.ExecuteScalar();
        tx.Commit();
        Interlocked.Increment(ref reads);
    }
})).ToList();
var cli = cliPerSecond == 0 ? Task.CompletedTask : Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        // The admin CLI: its own connection, one small write, closed again.
        using (var c = Open(readOnly: false))
        {
            Exec(c, "BEGIN IMMEDIATE; INSERT INTO t(v) VALUES (x'00'); COMMIT;");
        }

        Interlocked.Increment(ref cliWrites);
        await Task.Delay(1000 / cliPerSecond);
    }
});

var payload = new byte[256];
var times = new List<double>();
while (!stop.IsCancellationRequested)
{
    var started = Stopwatch.GetTimestamp();
    using (var tx = writer.BeginTransaction(deferred: false))
    {
        for (var i = 0; i < 8; i++)
        {
            using var insert = writer.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO t(v) VALUES ($v)";
            insert.Parameters.AddWithValue("$v", payload);
            insert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

await Task.WhenAll(readers.Append(cli));
times.Sort();
Console.WriteLine($"SQLite {version}: {times.Count} commits in {seconds} s, {reads} reads, {cliWrites} CLI writes; "
    + $"commit ms median {times[times.Count / 2]:F1}, p99 {times[(int)(times.Count * 0.99)]:F1}, "
    + $"max {times[^1]:F1}, over 500 ms {times.Count(t => t > 500)}");
