using System.Collections.Concurrent;
using Interchange.Core.Concurrency;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seeds Q241556 (OpenMsgStore deadlock) and Q274403 (conversion queue stuck, shutdown hangs),
/// ARCHITECTURE.md rules 1 and 5. 32 tasks take random sets of ordered locks in random order,
/// sync and async, holding them across yields. Every out-of-order attempt must be reported
/// (thrown, in tests) before it waits, every in-order one must succeed, no two flows may hold
/// one lock at once, nothing may deadlock, and long waits must name their holder.
/// </summary>
public sealed class LockOrderTortureTests(ITestOutputHelper output)
{
    private const int Tasks = 32;
    private const int IterationsPerTask = 300;

    [Fact]
    public async Task LockOrder_Q241556_Q274403_RandomAcquisitionIsValidatedAndNeverDeadlocks()
    {
        LockDiagnostics.Mode.ShouldBe(LockValidationMode.Throw, "tests run with the validator throwing");
        var levels = new[] { LockLevel.Directory, LockLevel.Queue, LockLevel.Mailbox, LockLevel.Store, LockLevel.StoreWriter };
        var locks = levels.SelectMany(level => Enumerable.Range(0, 2).Select(i => new OrderedLock($"{level}-{i}", level))).ToArray();
        var occupancy = new int[locks.Length];
        var reports = new ConcurrentQueue<LockWaitReport>();
        var failures = new ConcurrentQueue<string>();
        long expectedViolations = 0, caughtViolations = 0, acquisitions = 0;
        var violationsBefore = LockDiagnostics.ViolationCount;

        // Half the acquisitions wait synchronously on pool threads; without spare threads the
        // pool's slow injection, not the locks, would set the pace.
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, Tasks * 2), minIo);
        var previousThreshold = LockDiagnostics.WatchdogThreshold;
        LockDiagnostics.WatchdogThreshold = TimeSpan.FromMilliseconds(20);
        void OnLongWait(LockWaitReport report) => reports.Enqueue(report);
        LockDiagnostics.LongWait += OnLongWait;
        try
        {
            var workers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
            {
                using var flowName = LockFlow.Name($"torture worker {t}");
                var random = new Random(t * 7919);
                for (var i = 0; i < IterationsPerTask; i++)
                {
                    var picks = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(locks.Length)).ToArray();
                    var held = new Stack<(LockHold Hold, int Index)>();
                    try
                    {
                        foreach (var index in picks)
                        {
                            var target = locks[index];
                            var inOrder = held.All(h => locks[h.Index].Level < target.Level);
                            if (!inOrder)
                            {
                                Interlocked.Increment(ref expectedViolations);
                            }

                            LockHold hold;
                            try
                            {
                                hold = random.Next(2) == 0 ? target.Acquire() : await target.AcquireAsync();
                            }
                            catch (LockOrderViolationException ex)
                            {
                                Interlocked.Increment(ref caughtViolations);
                                if (inOrder)
                                {
                                    failures.Enqueue($"in-order acquisition of {target.Name} was refused: {ex.Message}");
                                }
                                else if (ex.RequestedLock != target.Name || !held.Any(h => locks[h.Index].Name == ex.HeldLock))
                                {
                                    failures.Enqueue($"violation names the wrong locks: {ex.Message}");
                                }

                                break;
                            }

                            if (!inOrder)
                            {
                                failures.Enqueue($"out-of-order acquisition of {target.Name} after {string.Join(",", held.Select(h => locks[h.Index].Name))} was not reported");
                            }

                            if (Interlocked.Increment(ref occupancy[index]) != 1)
                            {
                                failures.Enqueue($"two flows inside {target.Name}");
                            }

                            held.Push((hold, index));
                            Interlocked.Increment(ref acquisitions);

                            // Hold across a yield, sometimes long enough to trip the watchdog.
                            if (random.Next(400) == 0)
                            {
                                await Task.Delay(30);
                            }
                            else
                            {
                                await Task.Yield();
                            }
                        }
                    }
                    finally
                    {
                        while (held.Count > 0)
                        {
                            var (hold, index) = held.Pop();
                            Interlocked.Decrement(ref occupancy[index]);
                            hold.Dispose();
                        }
                    }
                }
            })).ToArray();

            // A deadlock would leave workers waiting forever: fail after a generous bound instead.
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            LockDiagnostics.LongWait -= OnLongWait;
            LockDiagnostics.WatchdogThreshold = previousThreshold;
            ThreadPool.SetMinThreads(minWorkers, minIo);
        }

        output.WriteLine($"{acquisitions} acquisitions, {expectedViolations} out-of-order attempts, {caughtViolations} reported, {reports.Count} long waits reported");
        failures.Count.ShouldBe(0, string.Join(Environment.NewLine, failures.Take(20)));
        caughtViolations.ShouldBe(expectedViolations, "every out-of-order attempt is reported, and only those");
        expectedViolations.ShouldBeGreaterThan(0, "the random orders did include inversions");
        (LockDiagnostics.ViolationCount - violationsBefore).ShouldBe(expectedViolations, "each violation is counted once");
        reports.ShouldNotBeEmpty("holding a lock past the threshold is reported by the watchdog");
        reports.ShouldAllBe(r => r.WaiterName.StartsWith("torture worker", StringComparison.Ordinal));
        reports.Where(r => r.HolderName != null).ShouldAllBe(r => r.HolderName!.StartsWith("torture worker", StringComparison.Ordinal));
        reports.Count(r => r.HolderName != null).ShouldBeGreaterThan(0, "long waits name the flow holding the lock");
        locks.ShouldAllBe(l => l.HolderName == null, "every lock is free at the end");
    }
}
