using System.Collections.Concurrent;
using System.Globalization;
using Interchange.Storage.Sqlite;
using Interchange.Transport.Routing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// ARCHITECTURE.md rule 4 for the routing table ("a change takes effect for the next attempt,
/// never for one in flight"): while an administrator changes the stored routes and the watcher
/// publishes each change, 16 readers (more than the cores) route and hold decisions as an attempt
/// does. Invariants: a table a reader gets is whole (its routes are exactly those of its
/// version: never half of an update), a reader never sees an older table than the last one
/// published before its lookup began, and a decision held by an attempt never changes.
/// </summary>
public sealed class RoutingTableTortureTests(ITestOutputHelper output)
{
    private const int Generations = 300;
    private const int Readers = 16;
    private const int Domains = 8;

    [Fact]
    public async Task RoutingTable_SnapshotSwap_ReadersNeverSeeAHalfUpdatedTableAndSeeEachPublishedChange()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var store = new SqliteRouteStore(database);
        var table = new RoutingTable();
        var watcher = new RouteWatcher(store, table, []);
        await watcher.RefreshAsync(CancellationToken.None);
        var baseVersion = table.Current.Version;

        // Change g (one store transaction) adds a route for "*", which every domain matches,
        // cheaper than all before it: the table at version base+g has exactly g routes, and the
        // best of them is change g's.
        var published = 0L;
        var violations = new ConcurrentQueue<string>();
        long lookups = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var writer = Task.Run(async () =>
        {
            for (var g = 1; g <= Generations && !stop.IsCancellationRequested; g++)
            {
                await store.AddAsync(RouteEntry.Create("*", "smtp", Generations - g, $"g{g}.relay.test", null, null, RouteSource.Store).ToRecord());
                await watcher.RefreshAsync(CancellationToken.None);
                Volatile.Write(ref published, g); // only after the change event was handled
            }
        });

        // Readers spin on threads of their own: on the thread pool they would hold every pool
        // thread, and the writer's awaits (the store's commits) would wait for the pool to grow
        // (in CI, beside the other test assemblies on two cores, past the time bound).
        var readers = Enumerable.Range(0, Readers).Select(r => Task.Factory.StartNew(() =>
        {
            var random = new Random(r);
            while (!writer.IsCompleted && !stop.IsCancellationRequested)
            {
                var before = Volatile.Read(ref published);
                var snapshot = table.Current;
                var generation = snapshot.Version - baseVersion;

                // Whole: exactly the routes of its version, in order, and its best is the newest.
                if (snapshot.Routes.Count != generation)
                {
                    violations.Enqueue($"table version {snapshot.Version} holds {snapshot.Routes.Count} routes, not {generation}");
                }

                if (random.Next(4) == 0)
                {
                    Thread.Yield();
                }

                var domain = $"d{random.Next(Domains).ToString(CultureInfo.InvariantCulture)}.example";
                var decision = table.Select(domain);
                var host = decision.SmartHost?.Host;
                var seen = host is null ? 0 : long.Parse(host[1..host.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
                if (seen < before)
                {
                    violations.Enqueue($"lookup after change {before} was published saw change {seen}");
                }

                if (decision.Version - baseVersion != seen)
                {
                    violations.Enqueue($"decision of table version {decision.Version} routes by change {seen}");
                }

                // An attempt in flight holds its decision: a later publish never changes it.
                if (random.Next(8) == 0)
                {
                    Thread.Yield();
                    if (decision.SmartHost?.Host != host)
                    {
                        violations.Enqueue($"a held decision changed from {host} to {decision.SmartHost?.Host}");
                    }
                }

                Interlocked.Increment(ref lookups);
                if ((lookups & 1023) == 0)
                {
                    Thread.Sleep(1); // now and then leave the cores to the writer, still mid-run
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        await writer;
        await Task.WhenAll(readers);

        output.WriteLine($"{Generations} changes published, {Interlocked.Read(ref lookups)} lookups by {Readers} readers, {violations.Count} violations");
        stop.IsCancellationRequested.ShouldBeFalse("the run hit its time bound");
        violations.ShouldBeEmpty(string.Join("; ", violations.Take(5)));
        table.Select("any.example").SmartHost!.Host.ShouldBe($"g{Generations}.relay.test");
        Interlocked.Read(ref lookups).ShouldBeGreaterThan(Generations);
    }
}
