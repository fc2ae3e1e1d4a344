using Dapper;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Sqlite;

public sealed class SqliteReaderPoolTests : IAsyncLifetime
{
    private const int PoolSize = 2;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private SqliteTestDatabase _db = null!;

    private SqliteDatabase Database => _db.Database;

    public async Task InitializeAsync()
    {
        _db = await SqliteTestDatabase.CreateAsync(readers: PoolSize);
        await Database.Writer.WriteAsync(w =>
        {
            w.Execute("CREATE TABLE n (i INTEGER PRIMARY KEY)");
            w.Execute("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100) INSERT INTO n SELECT i FROM c");
        });
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Many_more_concurrent_reads_than_connections_all_complete_and_never_share_a_connection()
    {
        const int Reads = 40;
        var active = 0;
        var maxActive = 0;
        var connectionsInUse = new System.Collections.Concurrent.ConcurrentDictionary<object, byte>();
        var shared = 0;

        var reads = Enumerable.Range(1, Reads).Select(k => Task.Run(async () =>
            await Database.ReadAsync(c =>
            {
                if (!connectionsInUse.TryAdd(c, 0))
                {
                    Interlocked.Increment(ref shared);
                }

                var now = Interlocked.Increment(ref active);
                InterlockedMax(ref maxActive, now);
                try
                {
                    Thread.Yield();
                    return c.ExecuteScalar<long>("SELECT SUM(i) FROM n WHERE i <= @k", new { k });
                }
                finally
                {
                    Interlocked.Decrement(ref active);
                    connectionsInUse.TryRemove(c, out _);
                }
            }))).ToList();

        var sums = await Task.WhenAll(reads).WaitAsync(Bound);

        sums.ShouldBe(Enumerable.Range(1, Reads).Select(k => (long)k * (k + 1) / 2).ToArray());
        maxActive.ShouldBeLessThanOrEqualTo(PoolSize);
        shared.ShouldBe(0);
    }

    [Fact]
    public async Task A_read_waits_for_a_free_connection_and_can_give_up()
    {
        using var holding = new CountdownEvent(PoolSize);
        using var release = new ManualResetEventSlim();
        var holders = Enumerable.Range(0, PoolSize).Select(_ => Task.Factory.StartNew(
            () => Database.ReadAsync(c =>
            {
                holding.Signal();
                release.Wait(Bound);
                return c.ExecuteScalar<long>("SELECT COUNT(*) FROM n");
            }).AsTask(),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()).ToList();
        holding.Wait(Bound).ShouldBeTrue("the holders never got their connections");

        using var cts = new CancellationTokenSource();
        var waiting = Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT 1"), cts.Token).AsTask();
        var patient = Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT 2")).AsTask();
        waiting.IsCompleted.ShouldBeFalse();
        patient.IsCompleted.ShouldBeFalse();

        cts.Cancel();
        await Should.ThrowAsync<OperationCanceledException>(waiting.WaitAsync(Bound));
        patient.IsCompleted.ShouldBeFalse();

        release.Set();
        (await Task.WhenAll(holders).WaitAsync(Bound)).ShouldAllBe(n => n == 100);
        (await patient.WaitAsync(Bound)).ShouldBe(2);
    }

    [Fact]
    public async Task A_read_that_throws_gives_its_connection_back()
    {
        for (var i = 0; i < PoolSize * 3; i++)
        {
            await Should.ThrowAsync<InvalidOperationException>(async () => await Database.ReadAsync<long>(_ => throw new InvalidOperationException("read failed")));
        }

        var results = await Task.WhenAll(Enumerable.Range(0, PoolSize * 3).Select(_ => Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM n")).AsTask())).WaitAsync(Bound);

        results.ShouldAllBe(n => n == 100);
    }

    [Fact]
    public async Task Reads_see_committed_writes_and_cannot_write()
    {
        await Database.WriteAsync(w => w.Execute("INSERT INTO n(i) VALUES (1000)"));

        (await Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM n"))).ShouldBe(101);
        (await Should.ThrowAsync<Interchange.Storage.StoreException>(async () => await Database.ReadAsync(c => c.Execute("INSERT INTO n(i) VALUES (2000)")))).InnerException.ShouldBeOfType<Microsoft.Data.Sqlite.SqliteException>();
        (await Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM n"))).ShouldBe(101);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
