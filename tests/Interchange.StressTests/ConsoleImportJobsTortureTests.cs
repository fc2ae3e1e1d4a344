using Interchange.Web.WebConsole;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;

namespace Interchange.StressTests;

/// <summary>
/// ARCHITECTURE.md section 4 for the console's import slot (one import at a time, taken by
/// compare-and-swap, no lock): 16 threads (more than the cores) start imports at once, round after
/// round. Invariant: in each round exactly one starts and runs; every refused start disposes the
/// upload it was given (no temporary file left open); after the import ends the slot is free again.
/// </summary>
public sealed class ConsoleImportJobsTortureTests
{
    private const int Threads = 16;
    private const int Rounds = 50;

    [Fact]
    public async Task ConsoleImportJobs_16ConcurrentStarts_ExactlyOneRunsPerRound()
    {
        var importer = new GatedImport();
        var jobs = new ConsoleImportJobs(importer, new Lifetime(), NullLogger<ConsoleImportJobs>.Instance);
        for (var round = 0; round < Rounds; round++)
        {
            importer.Close();
            var streams = Enumerable.Range(0, Threads).Select(_ => new TrackedStream()).ToArray();
            using var start = new Barrier(Threads);
            var started = await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
                return jobs.TryStart($"admin{t}@example.test", $"file{t}.csv", streams[t], ConsoleImportFormat.Csv);
            }))).WaitAsync(TimeSpan.FromSeconds(60));

            var winner = started.Where(j => j is not null).ShouldHaveSingleItem()!;
            jobs.Current.ShouldBeSameAs(winner);
            var winnerIndex = Array.IndexOf(started, winner);
            streams.Where((_, i) => i != winnerIndex).ShouldAllBe(s => s.Disposed, "a refused start disposes its upload");

            importer.Open();
            await WaitAsync(() => winner.Finished);
            winner.Report.ShouldNotBeNull().Rows.ShouldBe(1);
            streams[winnerIndex].Disposed.ShouldBeTrue("the job disposes its upload when it ends");
        }

        importer.Runs.ShouldBe(Rounds);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the import did not finish in time");
            await Task.Delay(1);
        }
    }

    /// <summary>An import that waits until the test lets it finish.</summary>
    private sealed class GatedImport : IConsoleImport
    {
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public IReadOnlyList<ConsoleImportFormat> Formats { get; } = [ConsoleImportFormat.Csv];

        public void Close() => Volatile.Write(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Open() => Volatile.Read(ref _gate).TrySetResult();

        public async Task<ConsoleImportReport> RunAsync(Stream input, long length, ConsoleImportFormat format, IProgress<ConsoleImportProgress>? progress, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            await Volatile.Read(ref _gate).Task.WaitAsync(cancellationToken);
            return new ConsoleImportReport(1, 1, 0, 0, [], 0);
        }
    }

    private sealed class TrackedStream() : MemoryStream(new byte[16])
    {
        private int _disposed;

        public bool Disposed => Volatile.Read(ref _disposed) != 0;

        protected override void Dispose(bool disposing)
        {
            Volatile.Write(ref _disposed, 1);
            base.Dispose(disposing);
        }
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
