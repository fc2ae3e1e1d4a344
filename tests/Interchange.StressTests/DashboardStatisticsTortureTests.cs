using System.Diagnostics;
using System.Diagnostics.Metrics;
using Interchange.Web.WebConsole;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// ARCHITECTURE.md section 4 for the dashboard's hourly counts (no lock: compare-and-swap of an
/// hour's bucket, Interlocked counters): 16 threads (more than the cores) add to every series
/// through real instruments with random yields while the clock moves on hour by hour and a
/// reader takes snapshots. Invariant: nothing is lost and nothing counted twice: every series'
/// total, and its sum over the 24 hours, equal what the threads added; the connections per
/// protocol equal the net of their ups and downs.
/// </summary>
public sealed class DashboardStatisticsTortureTests(ITestOutputHelper output)
{
    private const int Threads = 16;
    private const int Rounds = 20;
    private const int Iterations = 4_000;
    private const int HourChanges = 23;

    [Fact]
    public async Task DashboardStatistics_16Threads_AcrossHourChanges_CountsExactly()
    {
        // Many rounds of a fresh day each: every hour change is a moment where all threads find
        // a stale bucket at once and race to replace it (what a lost update would need).
        var watch = Stopwatch.StartNew();
        for (var round = 0; round < Rounds; round++)
        {
            await RoundAsync(round);
        }

        output.WriteLine($"{Rounds} rounds of {Threads} threads x {Iterations} measurements across {HourChanges} hour changes in {watch.ElapsedMilliseconds} ms");
    }

    private async Task RoundAsync(int round)
    {
        using var meter = new Meter("Interchange.Torture." + Guid.NewGuid().ToString("N"));
        var accepted = meter.CreateCounter<long>(DashboardStatistics.AcceptedInstrument);
        var outcomes = meter.CreateCounter<long>(DashboardStatistics.OutcomesInstrument);
        var bounces = meter.CreateCounter<long>(DashboardStatistics.BouncesInstrument);
        var authFailures = meter.CreateCounter<long>(DashboardStatistics.AuthFailuresInstrument);
        var connections = meter.CreateUpDownCounter<long>(DashboardStatistics.ConnectionsInstrument);
        var clock = new SteppingClock(new DateTimeOffset(2026, 12, 2, 0, 30, 0, TimeSpan.Zero));
        using var statistics = new DashboardStatistics(clock, i => i.Meter == meter);

        var expected = new long[Threads, Enum.GetValues<DashboardSeries>().Length];
        var open = new long[Threads, 3];
        string[] protocols = ["smtp", "imap", "pop3"];
        string[] kinds = ["delivered", "deferred", "failed"];
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var snapshots = 0;
            while (!done.IsCancellationRequested)
            {
                var snapshot = statistics.Snapshot();
                snapshot.Hours.Count.ShouldBe(24);
                snapshots++;
            }

            return snapshots;
        });
        var mover = Task.Run(async () =>
        {
            for (var i = 0; i < HourChanges && !done.IsCancellationRequested; i++)
            {
                await Task.Delay(1);
                clock.Advance(TimeSpan.FromHours(1));
            }
        });

        var workers = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            var random = new Random((round * Threads) + t);
            for (var i = 0; i < Iterations; i++)
            {
                switch (random.Next(6))
                {
                    case 0:
                        accepted.Add(1, new KeyValuePair<string, object?>("protocol", "smtp"));
                        expected[t, (int)DashboardSeries.Accepted]++;
                        break;
                    case 1:
                        var kind = random.Next(3);
                        outcomes.Add(1, new KeyValuePair<string, object?>("connector", "smtp"), new KeyValuePair<string, object?>("outcome", kinds[kind]));
                        expected[t, (int)(kind switch { 0 => DashboardSeries.Delivered, 1 => DashboardSeries.Deferred, _ => DashboardSeries.Failed })]++;
                        break;
                    case 2:
                        bounces.Add(2);
                        expected[t, (int)DashboardSeries.Bounces] += 2;
                        break;
                    case 3:
                        authFailures.Add(1);
                        expected[t, (int)DashboardSeries.AuthFailures]++;
                        break;
                    default:
                        var p = random.Next(3);
                        var delta = random.Next(2) == 0 || open[t, p] == 0 ? 1 : -1;
                        connections.Add(delta, new KeyValuePair<string, object?>("protocol", protocols[p]));
                        open[t, p] += delta;
                        break;
                }

                if (random.Next(64) == 0)
                {
                    Thread.Yield();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));
        await mover.WaitAsync(TimeSpan.FromSeconds(30));
        done.Cancel();
        var snapshots = await reader.WaitAsync(TimeSpan.FromSeconds(30));

        var final = statistics.Snapshot();
        foreach (var series in Enum.GetValues<DashboardSeries>())
        {
            var added = Enumerable.Range(0, Threads).Sum(t => expected[t, (int)series]);
            added.ShouldBeGreaterThan(0, series.ToString());
            final.Total(series).ShouldBe(added, $"total of {series}");
            final.Last24Hours(series).ShouldBe(added, $"sum over the hours of {series}");
        }

        for (var p = 0; p < protocols.Length; p++)
        {
            final.Connections[protocols[p]].ShouldBe(Enumerable.Range(0, Threads).Sum(t => open[t, p]), protocols[p]);
        }

        statistics.LateMeasurements.ShouldBe(0);
        snapshots.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void DashboardStatistics_KeepsTheLast24Hours_AndDropsOlder()
    {
        using var meter = new Meter("Interchange.Torture." + Guid.NewGuid().ToString("N"));
        var clock = new SteppingClock(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        using var statistics = new DashboardStatistics(clock, i => i.Meter == meter);
        statistics.Add(DashboardSeries.Delivered, 5);
        clock.Advance(TimeSpan.FromHours(23));
        statistics.Add(DashboardSeries.Delivered, 7);
        var day = statistics.Snapshot();
        (day.Hours[0].Start, day.Hours[0][DashboardSeries.Delivered], day.Hours[23][DashboardSeries.Delivered]).ShouldBe((new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero), 5L, 7L));

        clock.Advance(TimeSpan.FromHours(1)); // hour 10 of the 2nd is now 24 hours ago: out of the window, and its slot is reused
        statistics.Add(DashboardSeries.Delivered, 1);
        var next = statistics.Snapshot();
        next.Last24Hours(DashboardSeries.Delivered).ShouldBe(8);
        next.Total(DashboardSeries.Delivered).ShouldBe(13);
    }

    /// <summary>A clock tests move forward; read by many threads at once.</summary>
    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }
}
