using Dapper;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Sqlite;

/// <summary>
/// The single writer's group commit. To make batching deterministic, a first request blocks the
/// writer thread inside its work; everything enqueued meanwhile must go into the next batch.
/// </summary>
public sealed class SqliteWriterTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private SqliteTestDatabase _db = null!;

    private SqliteDatabase Database => _db.Database;

    private SqliteWriter Writer => _db.Database.Writer;

    public async Task InitializeAsync()
    {
        _db = await SqliteTestDatabase.CreateAsync();
        await Database.WriteAsync(w => w.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL UNIQUE)"));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Deferrable_work_waits_for_company_and_shares_its_commit()
    {
        // A deferral long enough that the hold below cannot be an accident of scheduling.
        await using var temp = await DeferringDatabaseAsync(TimeSpan.FromSeconds(20));
        var writer = temp.Database.Writer;
        var before = writer.Commits;

        var deferred = writer.WriteDeferrableAsync(w => w.Execute("INSERT INTO t(v) VALUES ('delivery')"));
        await Task.Delay(200); // without the deferral it would be committed by now
        deferred.IsCompleted.ShouldBeFalse("held for company");
        await writer.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES ('enqueue')")).WaitAsync(Bound);
        await deferred.WaitAsync(Bound);

        (writer.Commits - before).ShouldBe(1, "one commit, one fsync, for both");
    }

    [Fact]
    public async Task Redoable_background_work_does_not_end_the_wait_work_a_client_waits_on_does()
    {
        await using var temp = await DeferringDatabaseAsync(TimeSpan.FromSeconds(20));
        var writer = temp.Database.Writer;
        var before = writer.Commits;

        var delivery = writer.WriteDeferrableAsync(w => w.Execute("INSERT INTO t(v) VALUES ('delivery')"));
        var route = writer.WriteRedoableAsync(w => w.Execute("INSERT INTO t(v) VALUES ('route')"));
        await Task.Delay(200);
        (delivery.IsCompleted, route.IsCompleted).ShouldBe((false, false), "routing is background work too: it joins the wait rather than forcing an fsync");
        await writer.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES ('enqueue')")).WaitAsync(Bound);
        await Task.WhenAll(delivery, route).WaitAsync(Bound);

        (writer.Commits - before).ShouldBe(1);
    }

    [Fact]
    public async Task Redoable_work_alone_is_not_held()
    {
        await using var temp = await DeferringDatabaseAsync(TimeSpan.FromSeconds(20));

        (await temp.Database.Writer.WriteRedoableAsync(w => w.Execute("INSERT INTO t(v) VALUES ('route')")).WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(1, "nothing to save by holding work that commits without fsync");
    }

    [Fact]
    public async Task Deferrable_work_alone_is_committed_when_its_deferral_is_over()
    {
        await using var temp = await DeferringDatabaseAsync(TimeSpan.FromMilliseconds(50));

        (await temp.Database.Writer.WriteDeferrableAsync(w => w.Execute("INSERT INTO t(v) VALUES ('alone')")).WaitAsync(Bound)).ShouldBe(1);
    }

    private static async Task<SqliteTestDatabase> DeferringDatabaseAsync(TimeSpan deferral)
    {
        var temp = await SqliteTestDatabase.CreateAsync(deferral: deferral);
        await temp.Database.WriteAsync(w => w.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL UNIQUE)"));
        return temp;
    }

    [Fact]
    public async Task A_write_returns_its_result_after_it_is_committed()
    {
        var id = await Database.WriteAsync(w =>
        {
            w.Execute("INSERT INTO t(v) VALUES ('one')");
            return w.ExecuteScalar<long>("SELECT last_insert_rowid()");
        });

        id.ShouldBeGreaterThan(0);
        (await Values()).ShouldBe(["one"]);
    }

    [Fact]
    public async Task A_redoable_write_alone_commits_without_fsync_and_every_other_commit_stays_full()
    {
        const long Normal = 1, Full = 2;

        var inRedoable = await Writer.WriteRedoableAsync(w =>
        {
            w.Execute("INSERT INTO t(v) VALUES ('routed')");
            return w.ExecuteScalar<long>("PRAGMA synchronous");
        });
        var inDurable = await Writer.WriteAsync(w => w.ExecuteScalar<long>("PRAGMA synchronous"));

        inRedoable.ShouldBe(Normal);
        inDurable.ShouldBe(Full, "the writer goes back to fsync at every commit");
        (await Values()).ShouldBe(["routed"]);
    }

    [Fact]
    public async Task A_redoable_write_batched_with_a_durable_one_commits_with_fsync()
    {
        using var blocker = new WriterBlocker(Writer);
        await blocker.StartedAsync();
        var redoable = Writer.WriteRedoableAsync(w => w.ExecuteScalar<long>("PRAGMA synchronous"));
        var durable = Writer.WriteAsync(w => w.ExecuteScalar<long>("PRAGMA synchronous"));
        blocker.Release();

        (await redoable).ShouldBe(2L);
        (await durable).ShouldBe(2L);
    }

    [Fact]
    public async Task Requests_queued_while_the_writer_is_busy_commit_together()
    {
        using var blocker = new WriterBlocker(Writer);
        await blocker.StartedAsync();
        var commitsBefore = Writer.Commits;
        var writesBefore = Writer.Writes;

        var queued = Enumerable.Range(0, 100).Select(i => Insert($"row {i}")).ToList();
        blocker.Release();
        await Task.WhenAll(queued.Append(blocker.Task)).WaitAsync(Bound);

        // The blocker's own batch, then one batch for the 100 (MaxBatch is 512): with batching
        // off (MaxBatch 1) this is 101 commits.
        (Writer.Commits - commitsBefore).ShouldBe(2);
        (Writer.Writes - writesBefore).ShouldBe(101);
        (await Count()).ShouldBe(101);
    }

    [Fact]
    public async Task Two_hundred_writes_enqueued_from_eight_threads_commit_in_one_batch()
    {
        using var blocker = new WriterBlocker(Writer);
        await blocker.StartedAsync();
        var commitsBefore = Writer.Commits;
        var writesBefore = Writer.Writes;

        // Enqueue from many threads at once.
        using var start = new Barrier(8);
        var enqueuers = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return Enumerable.Range(0, 25).Select(i => Insert($"t{t} r{i}")).ToList();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToList();
        var writes = (await Task.WhenAll(enqueuers).WaitAsync(Bound)).SelectMany(w => w).ToList();
        writes.Count.ShouldBe(200);

        blocker.Release();
        await Task.WhenAll(writes.Append(blocker.Task)).WaitAsync(Bound);

        writes.ShouldAllBe(w => w.IsCompletedSuccessfully);
        (await Count()).ShouldBe(201);
        (Writer.Writes - writesBefore).ShouldBe(201);
        (Writer.Commits - commitsBefore).ShouldBe(2, "the blocker's batch, then one for the 200 enqueued meanwhile");
    }

    [Fact]
    public async Task A_batch_holds_at_most_MaxBatch_writes()
    {
        await using var small = await SqliteTestDatabase.CreateAsync(maxBatch: 10);
        await small.Database.WriteAsync(w => w.Execute("CREATE TABLE t (v TEXT)"));
        var writer = small.Database.Writer;
        using var blocker = new WriterBlocker(writer);
        await blocker.StartedAsync();
        var commitsBefore = writer.Commits;

        var queued = Enumerable.Range(0, 25).Select(i => small.Database.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES (@v)", new { v = $"q{i}" }))).ToList();
        blocker.Release();
        await Task.WhenAll(queued.Append(blocker.Task)).WaitAsync(Bound);

        // The blocker's batch, then 10 + 10 + 5.
        (writer.Commits - commitsBefore).ShouldBe(4);
        (await small.Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM t"))).ShouldBe(26);
    }

    [Fact]
    public async Task A_failing_request_rolls_back_alone_and_the_rest_of_its_batch_commits()
    {
        using var blocker = new WriterBlocker(Writer);
        await blocker.StartedAsync();
        var commitsBefore = Writer.Commits;

        var before = Insert("before");
        var failing = Database.WriteAsync<int>(w =>
        {
            w.Execute("INSERT INTO t(v) VALUES ('doomed')");
            throw new InvalidOperationException("work failed");
        });
        var duplicate = Insert("before"); // violates UNIQUE: fails in the database itself
        var after = Insert("after");
        blocker.Release();

        await before.WaitAsync(Bound);
        await after.WaitAsync(Bound);
        (await Should.ThrowAsync<InvalidOperationException>(failing.WaitAsync(Bound))).Message.ShouldBe("work failed");
        (await Should.ThrowAsync<Interchange.Storage.StoreException>(duplicate.WaitAsync(Bound))).InnerException.ShouldBeOfType<Microsoft.Data.Sqlite.SqliteException>();
        await blocker.Task.WaitAsync(Bound);

        (Writer.Commits - commitsBefore).ShouldBe(2, "the blocker's batch, then one batch holding all four");
        (await Values()).ShouldBe(["after", "before", "blocker"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_request_cancelled_before_it_runs_is_cancelled_and_not_applied()
    {
        using var blocker = new WriterBlocker(Writer);
        await blocker.StartedAsync();
        using var cts = new CancellationTokenSource();
        var ran = false;

        var cancelled = Writer.WriteAsync(w =>
        {
            ran = true;
            w.Execute("INSERT INTO t(v) VALUES ('cancelled')");
        }, cts.Token);
        var other = Insert("kept");
        cts.Cancel();
        blocker.Release();

        await Should.ThrowAsync<OperationCanceledException>(cancelled.WaitAsync(Bound));
        cancelled.IsCanceled.ShouldBeTrue();
        await other.WaitAsync(Bound);
        await blocker.Task.WaitAsync(Bound);

        ran.ShouldBeFalse();
        (await Values()).ShouldBe(["blocker", "kept"], ignoreOrder: true);
    }

    [Fact]
    public async Task Disposing_the_database_finishes_the_writes_already_queued_and_refuses_new_ones()
    {
        using var directory = new TempDirectory();
        var path = directory.File("dispose.db");
        var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = path });
        await database.WriteAsync(w => w.Execute("CREATE TABLE t (v TEXT)"));
        using var blocker = new WriterBlocker(database.Writer, "INSERT INTO t(v) VALUES ('blocker')");
        await blocker.StartedAsync();

        var queued = Enumerable.Range(0, 10).Select(i => database.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES (@v)", new { v = $"q{i}" }))).ToList();
        var disposing = database.DisposeAsync().AsTask();
        disposing.IsCompleted.ShouldBeFalse();
        blocker.Release();
        await disposing.WaitAsync(Bound);

        queued.ShouldAllBe(q => q.IsCompletedSuccessfully);
        (await Should.ThrowAsync<Interchange.Storage.StoreException>(database.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES ('late')")))).IsUnavailable.ShouldBeTrue();

        await using var reopened = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = path });
        (await reopened.ReadAsync(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM t"))).ShouldBe(11);
    }

    private Task Insert(string value) =>
        Database.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES (@value)", new { value }));

    private async Task<long> Count() =>
        await Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM t"));

    private async Task<List<string>> Values() =>
        await Database.ReadAsync(c => c.Query<string>("SELECT v FROM t ORDER BY v").ToList());

    /// <summary>A write request that holds the writer thread until released (bounded, so a bug cannot hang the run).</summary>
    private sealed class WriterBlocker : IDisposable
    {
        private readonly ManualResetEventSlim _started = new();
        private readonly ManualResetEventSlim _release = new();

        public WriterBlocker(SqliteWriter writer, string sql = "INSERT INTO t(v) VALUES ('blocker')")
        {
            Task = writer.WriteAsync(w =>
            {
                _started.Set();
                if (!_release.Wait(Bound))
                {
                    throw new TimeoutException("the blocker was never released");
                }

                w.Execute(sql);
            });
        }

        public Task Task { get; }

        public async Task StartedAsync()
        {
            var started = await System.Threading.Tasks.Task.Run(() => _started.Wait(Bound));
            started.ShouldBeTrue("the writer never ran the blocking request");
        }

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Set();
            _started.Dispose();

            // _release may still be waited on if a test failed early: release it, do not dispose it under a waiter.
        }
    }
}
