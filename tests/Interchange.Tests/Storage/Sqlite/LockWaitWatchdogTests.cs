using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dapper;
using Interchange.Storage;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Shouldly;

namespace Interchange.Tests.Storage.Sqlite;

/// <summary>
/// The store writer's lock-wait watchdog (ARCHITECTURE.md section 4, rule 5): a writer held by
/// a request that does not finish is reported while it hangs, and the request queued behind it
/// is counted and named when its transaction finally begins. Time is a fake clock, so "2 s" is
/// a number, not a sleep; the blocked writer is a real one, blocked inside its work.
/// </summary>
public sealed class LockWaitWatchdogTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _clock = new();
    private readonly LogLines _log = new();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(long Value, string? Kind)> _waits = new();

    public LockWaitWatchdogTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StoreMetrics.MeterName && instrument.Name == "interchange.store.lock_waits")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? kind = null;
            foreach (var tag in tags)
            {
                kind = tag.Key == "kind" ? tag.Value as string : kind;
            }

            _waits.Enqueue((value, kind));
        });
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_blocked_writer_is_reported_while_it_hangs_and_the_waiter_is_named_when_it_runs()
    {
        await using var writer = Open(TimeSpan.FromSeconds(1));
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var blocking = writer.WriteAsync(w =>
        {
            entered.Set();
            gate.Wait(Bound); // the deliberately blocked writer
            w.Execute("INSERT INTO t(v) VALUES ('blocker')");
        });
        entered.Wait(Bound).ShouldBeTrue();
        var waiting = writer.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES ('waiter')"));

        _clock.Advance(TimeSpan.FromSeconds(2.5));
        writer.CheckStall();
        writer.CheckStall(); // once per stalled batch, however often the timer looks

        // At least: the listener hears every writer in this process (other tests run beside this one).
        Count(StoreMetrics.Stalled).ShouldBeGreaterThanOrEqualTo(1);
        _log.Lines.Count(l => l.Contains("lock wait:", StringComparison.Ordinal) && l.Contains("LockWaitWatchdogTests.A_blocked_writer", StringComparison.Ordinal)).ShouldBe(1, "the stall names the work holding the writer:\n" + string.Join('\n', _log.Lines));

        gate.Set();
        await Task.WhenAll(blocking, waiting).WaitAsync(Bound);

        Count(StoreMetrics.WriterQueue).ShouldBeGreaterThanOrEqualTo(1);
        var line = _log.Lines.Single(l => l.Contains("waited up to", StringComparison.Ordinal));
        line.ShouldStartWith("lock wait: 1 write request(s) (LockWaitWatchdogTests.A_blocked_writer");
        line.ShouldContain("2.50 s");
    }

    [Fact]
    public async Task Requests_queued_behind_a_batch_record_their_wait_and_commit_as_one_batch()
    {
        using var waits = new MetricRecorder("interchange.store.write_wait");
        using var sizes = new MetricRecorder("interchange.store.write_batch_size");
        await using var writer = Open(TimeSpan.FromMinutes(1));
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var blocking = writer.WriteAsync(_ =>
        {
            entered.Set();
            gate.Wait(Bound);
        });
        entered.Wait(Bound).ShouldBeTrue();
        var queued = Enumerable.Range(0, 3).Select(i => writer.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES (@i)", new { i }))).ToList();

        _clock.Advance(TimeSpan.FromSeconds(7.25)); // a wait no other writer in the process measures
        gate.Set();
        await Task.WhenAll(queued.Append(blocking)).WaitAsync(Bound);

        waits.All.Count(m => Math.Abs(m.Value - 7.25) < 1e-9).ShouldBe(3, "each of the three waited 7.25 s by the writer's clock");
        sizes.All.ShouldContain(m => m.Value == 3, "the three went into one group commit");
        _log.Lines.ShouldBeEmpty("7.25 s is under this writer's threshold of a minute");
    }

    [Fact]
    public async Task Waits_under_the_threshold_report_nothing()
    {
        await using var writer = Open(TimeSpan.FromSeconds(1));
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var blocking = writer.WriteAsync(w =>
        {
            entered.Set();
            gate.Wait(Bound);
        });
        entered.Wait(Bound).ShouldBeTrue();
        var waiting = writer.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES ('waiter')"));

        _clock.Advance(TimeSpan.FromSeconds(0.9));
        writer.CheckStall();
        gate.Set();
        await Task.WhenAll(blocking, waiting).WaitAsync(Bound);

        // The log is this writer's own (the counter is shared by every writer of the process).
        _log.Lines.ShouldNotContain(l => l.Contains("lock wait", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_threshold_of_zero_turns_the_watchdog_off()
    {
        await using var writer = Open(TimeSpan.Zero);
        using var gate = new ManualResetEventSlim();
        var blocking = writer.WriteAsync(_ => gate.Wait(Bound));
        var waiting = writer.WriteAsync(w => w.Execute("INSERT INTO t(v) VALUES ('waiter')"));
        _clock.Advance(TimeSpan.FromMinutes(5));
        writer.CheckStall();
        gate.Set();
        await Task.WhenAll(blocking, waiting).WaitAsync(Bound);

        _log.Lines.ShouldBeEmpty();
    }

    /// <summary>Lock waits counted since this test began, by kind.</summary>
    private long Count(string kind) => _waits.Where(w => w.Kind == kind).Sum(w => w.Value);

    private SqliteWriter Open(TimeSpan threshold)
    {
        var connection = new SqliteConnection($"Data Source={_directory.File("w.db")};Pooling=False");
        connection.Open();
        connection.Execute("PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
        return new SqliteWriter(connection, _log, maxBatch: 16, deferral: default, lockWaitWarning: threshold, clock: _clock);
    }

    private sealed class LogLines : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => _lines.ToArray();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                _lines.Enqueue(formatter(state, exception));
            }
        }
    }
}
