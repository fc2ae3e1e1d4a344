using System.Collections.Concurrent;
using Interchange.Core.Concurrency;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Core.Concurrency;

/// <summary>Report mode, the violation counter and event, and the long-wait watchdog (process-wide settings).</summary>
[Collection(LockDiagnosticsCollection.Name)]
public sealed class LockDiagnosticsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}";

    [Fact]
    public void In_report_mode_a_violation_is_counted_and_raised_but_does_not_throw()
    {
        var high = new OrderedLock(Unique("store"), LockLevel.Store);
        var low = new OrderedLock(Unique("directory"), LockLevel.Directory);
        var seen = new ConcurrentQueue<LockOrderViolationException>();
        void Handler(LockOrderViolationException v)
        {
            if (v.RequestedLock == low.Name)
            {
                seen.Enqueue(v);
            }
        }

        var previousMode = LockDiagnostics.Mode;
        LockDiagnostics.Violation += Handler;
        try
        {
            LockDiagnostics.Mode = LockValidationMode.Report;
            var before = LockDiagnostics.ViolationCount;

            using var holdHigh = high.Acquire();
            using var holdLow = low.Acquire(); // proceeds: the violation is reported, not thrown

            LockDiagnostics.ViolationCount.ShouldBe(before + 1);
            var violation = seen.ShouldHaveSingleItem();
            violation.HeldLock.ShouldBe(high.Name);
            violation.RequestedLock.ShouldBe(low.Name);
            violation.Message.ShouldContain(high.Name);
            violation.Message.ShouldContain(low.Name);
            low.HolderName.ShouldNotBeNull();
            LockOrderValidator.CurrentlyHeld.ShouldBe([high.Name, low.Name]);
        }
        finally
        {
            LockDiagnostics.Mode = previousMode;
            LockDiagnostics.Violation -= Handler;
        }

        LockOrderValidator.CurrentlyHeld.ShouldBeEmpty();
    }

    [Fact]
    public void In_throw_mode_a_violation_is_counted_and_raised_before_it_throws()
    {
        LockDiagnostics.Mode.ShouldBe(LockValidationMode.Throw, "tests run in Debug, where violations throw");
        var high = new OrderedLock(Unique("queue"), LockLevel.Queue);
        var low = new OrderedLock(Unique("host"), LockLevel.Host);
        var seen = new ConcurrentQueue<LockOrderViolationException>();
        void Handler(LockOrderViolationException v)
        {
            if (v.RequestedLock == low.Name)
            {
                seen.Enqueue(v);
            }
        }

        LockDiagnostics.Violation += Handler;
        try
        {
            var before = LockDiagnostics.ViolationCount;
            using var holdHigh = high.Acquire();

            var thrown = Should.Throw<LockOrderViolationException>(() => low.Acquire());

            LockDiagnostics.ViolationCount.ShouldBe(before + 1);
            seen.ShouldHaveSingleItem().ShouldBeSameAs(thrown);
        }
        finally
        {
            LockDiagnostics.Violation -= Handler;
        }
    }

    [Fact]
    public async Task The_watchdog_reports_a_long_async_wait_with_the_lock_and_the_holders_name()
    {
        var gate = new OrderedLock(Unique("watched"), LockLevel.Mailbox);
        var reports = new ConcurrentQueue<LockWaitReport>();
        void Handler(LockWaitReport r)
        {
            if (r.LockName == gate.Name)
            {
                reports.Enqueue(r);
            }
        }

        var previousThreshold = LockDiagnostics.WatchdogThreshold;
        LockDiagnostics.LongWait += Handler;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? holder = null;
        try
        {
            LockDiagnostics.WatchdogThreshold = TimeSpan.FromMilliseconds(50);
            var before = LockDiagnostics.LongWaitCount;

            var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            holder = Task.Run(async () =>
            {
                using (LockFlow.Name("holder-x"))
                {
                    using var hold = await gate.AcquireAsync();
                    holding.SetResult();
                    await release.Task;
                }
            });
            await holding.Task.WaitAsync(Bound);

            var waiter = Task.Run(async () =>
            {
                using (LockFlow.Name("waiter-y"))
                {
                    using var hold = await gate.AcquireAsync();
                    return hold.HolderName;
                }
            });

            await Eventually.TrueAsync(() => !reports.IsEmpty, "a long-wait report for the lock");

            var report = reports.First();
            report.LockName.ShouldBe(gate.Name);
            report.Level.ShouldBe(LockLevel.Mailbox);
            report.HolderName.ShouldBe("holder-x");
            report.WaiterName.ShouldBe("waiter-y");
            report.HeldFor.ShouldNotBeNull();
            report.Waited.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(25));
            LockDiagnostics.LongWaitCount.ShouldBeGreaterThan(before);
            waiter.IsCompleted.ShouldBeFalse();

            release.SetResult();
            (await waiter.WaitAsync(Bound)).ShouldBe("waiter-y");
        }
        finally
        {
            release.TrySetResult();
            if (holder is not null)
            {
                await holder.WaitAsync(Bound);
            }

            LockDiagnostics.LongWait -= Handler;
            LockDiagnostics.WatchdogThreshold = previousThreshold;
        }
    }

    [Fact]
    public async Task The_watchdog_reports_a_long_blocking_wait_too()
    {
        var gate = new OrderedLock(Unique("watched-sync"), LockLevel.Leaf);
        var reports = new ConcurrentQueue<LockWaitReport>();
        void Handler(LockWaitReport r)
        {
            if (r.LockName == gate.Name)
            {
                reports.Enqueue(r);
            }
        }

        var previousThreshold = LockDiagnostics.WatchdogThreshold;
        LockDiagnostics.LongWait += Handler;
        LockHold? held = null;
        try
        {
            LockDiagnostics.WatchdogThreshold = TimeSpan.FromMilliseconds(50);
            var before = LockDiagnostics.LongWaitCount;
            held = await Task.Run(() =>
            {
                using (LockFlow.Name("holder-x"))
                {
                    return gate.Acquire();
                }
            });

            var waiter = Task.Factory.StartNew(
                () =>
                {
                    using var hold = gate.Acquire();
                    return true;
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);

            await Eventually.TrueAsync(() => reports.Count >= 2, "two long-wait reports (one per threshold)");

            reports.ShouldAllBe(r => r.HolderName == "holder-x");
            LockDiagnostics.LongWaitCount.ShouldBeGreaterThanOrEqualTo(before + 2);
            waiter.IsCompleted.ShouldBeFalse();

            held.Dispose();
            (await waiter.WaitAsync(Bound)).ShouldBeTrue();
        }
        finally
        {
            held?.Dispose();
            LockDiagnostics.LongWait -= Handler;
            LockDiagnostics.WatchdogThreshold = previousThreshold;
        }
    }

    [Fact]
    public void The_watchdog_threshold_must_be_positive()
    {
        var previous = LockDiagnostics.WatchdogThreshold;

        Should.Throw<ArgumentOutOfRangeException>(() => LockDiagnostics.WatchdogThreshold = TimeSpan.Zero);
        Should.Throw<ArgumentOutOfRangeException>(() => LockDiagnostics.WatchdogThreshold = TimeSpan.FromSeconds(-1));

        LockDiagnostics.WatchdogThreshold.ShouldBe(previous);
    }
}
