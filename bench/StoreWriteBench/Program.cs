// Group-commit write throughput of the embedded store (issue: foundation).
// For 1 and 32 concurrent writers, N small transactions each, through SqliteWriter (one
// writer, batched commits, synchronous=FULL WAL), and, as the baseline in the same run on the
// same disk, the naive way: one connection per writer, each transaction committed (and
// fsynced) on its own, SQLite's busy handler arbitrating. Prints transactions/s and the ratio.
using System.Diagnostics;
using System.Globalization;
using Dapper;
using Interchange.Storage.Sqlite;
using Microsoft.Data.Sqlite;

var directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "interchange-bench-" + Guid.NewGuid().ToString("N"));
var totalPerRun = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3200;
Directory.CreateDirectory(directory);
Console.WriteLine($"store-write benchmark: {totalPerRun} transactions per run, data in {directory}");
Console.WriteLine($"{"writers",7}  {"group commit tx/s",17}  {"commits",7}  {"naive tx/s",10}  {"ratio",6}");

foreach (var writers in new[] { 1, 32 })
{
    var perWriter = Math.Max(1, totalPerRun / writers);
    var (grouped, commits) = await GroupCommitAsync(Path.Combine(directory, $"group-{writers}.db"), writers, perWriter);
    var naive = await NaiveAsync(Path.Combine(directory, $"naive-{writers}.db"), writers, perWriter);
    Console.WriteLine($"{writers,7}  {grouped,17:F0}  {commits,7}  {naive,10:F0}  {grouped / naive,6:F2}");
}

Directory.Delete(directory, recursive: true);

static async Task<(double PerSecond, long Commits)> GroupCommitAsync(string path, int writers, int perWriter)
{
    await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = path });
    await database.WriteAsync(w => w.Execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, writer INTEGER, payload BLOB)"));
    var payload = new byte[256];
    var commitsBefore = database.Writer.Commits;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
    {
        for (var i = 0; i < perWriter; i++)
        {
            await database.WriteAsync(w => w.Execute("INSERT INTO bench(writer, payload) VALUES (@writer, @payload)", new { writer, payload }));
        }
    })));
    watch.Stop();
    return (writers * perWriter / watch.Elapsed.TotalSeconds, database.Writer.Commits - commitsBefore);
}

static async Task<double> NaiveAsync(string path, int writers, int perWriter)
{
    SQLitePCL.Batteries_V2.Init();
    using (var setup = Open(path))
    {
        setup.Execute("PRAGMA journal_mode = WAL; CREATE TABLE bench (id INTEGER PRIMARY KEY, writer INTEGER, payload BLOB)");
    }

    var payload = new byte[256];
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Factory.StartNew(() =>
    {
        using var connection = Open(path);
        for (var i = 0; i < perWriter; i++)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            connection.Execute("INSERT INTO bench(writer, payload) VALUES (@writer, @payload)", new { writer, payload }, transaction);
            transaction.Commit();
        }
    }, TaskCreationOptions.LongRunning)));
    watch.Stop();
    return writers * perWriter / watch.Elapsed.TotalSeconds;
}

static SqliteConnection Open(string path)
{
    var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
    connection.Open();
    connection.Execute("PRAGMA busy_timeout = 60000; PRAGMA synchronous = FULL;");
    return connection;
}
