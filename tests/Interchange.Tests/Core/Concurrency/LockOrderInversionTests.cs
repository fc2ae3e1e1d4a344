using Interchange.Core.Concurrency;
using Shouldly;

namespace Interchange.Tests.Core.Concurrency;

/// <summary>
/// The seed scenario of rule 1 (Q241556, Q274403): two threads take two locks in opposite
/// orders. Without the validator this is a deadlock; with it, the thread taking the wrong order
/// is stopped before it waits, and the other one completes.
/// </summary>
public sealed class LockOrderInversionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_validator_catches_an_A_B_versus_B_A_inversion_across_two_threads_before_a_deadlock_happens()
    {
        var a = new OrderedLock($"A-{Guid.NewGuid():N}", LockLevel.Directory);
        var b = new OrderedLock($"B-{Guid.NewGuid():N}", LockLevel.Store);
        using var barrier = new Barrier(2);

        // If the inversion went undetected, both threads would block on each other's lock; the
        // tokens then end the waits so that a regression fails the test instead of hanging it.
        using var deadlockBreaker = new CancellationTokenSource(Bound);

        Exception? thread1Error = null;
        Exception? thread2Error = null;
        var thread1GotBoth = false;
        var thread2GotBoth = false;

        var thread1 = new Thread(() =>
        {
            try
            {
                using var holdA = a.Acquire(deadlockBreaker.Token);
                barrier.SignalAndWait(Bound).ShouldBeTrue("thread 2 never reached the barrier");
                using var holdB = b.Acquire(deadlockBreaker.Token);
                thread1GotBoth = true;
            }
            catch (Exception ex)
            {
                thread1Error = ex;
            }
        })
        { IsBackground = true, Name = "inversion thread 1 (A then B)" };

        var thread2 = new Thread(() =>
        {
            try
            {
                using var holdB = b.Acquire(deadlockBreaker.Token);
                barrier.SignalAndWait(Bound).ShouldBeTrue("thread 1 never reached the barrier");
                using var holdA = a.Acquire(deadlockBreaker.Token);
                thread2GotBoth = true;
            }
            catch (Exception ex)
            {
                thread2Error = ex;
            }
        })
        { IsBackground = true, Name = "inversion thread 2 (B then A)" };

        thread1.Start();
        thread2.Start();
        var finished = await Task.Run(() => thread1.Join(Bound + Bound) && thread2.Join(Bound));

        finished.ShouldBeTrue("the two threads did not finish: deadlock");
        deadlockBreaker.IsCancellationRequested.ShouldBeFalse("a wait had to be broken by the timeout: the inversion deadlocked");

        thread1Error.ShouldBeNull();
        thread1GotBoth.ShouldBeTrue();

        thread2GotBoth.ShouldBeFalse();
        var violation = thread2Error.ShouldBeOfType<LockOrderViolationException>();
        violation.HeldLock.ShouldBe(b.Name);
        violation.RequestedLock.ShouldBe(a.Name);
        violation.Message.ShouldContain(a.Name);
        violation.Message.ShouldContain(b.Name);

        a.HolderName.ShouldBeNull();
        b.HolderName.ShouldBeNull();
    }

    [Fact]
    public async Task The_same_inversion_between_two_async_flows_is_caught_too()
    {
        var a = new OrderedLock($"A-{Guid.NewGuid():N}", LockLevel.SecurityContext);
        var b = new OrderedLock($"B-{Guid.NewGuid():N}", LockLevel.Mailbox);
        var bothHoldFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstTaken = 0;
        using var deadlockBreaker = new CancellationTokenSource(Bound);

        void Arrived()
        {
            if (Interlocked.Increment(ref firstTaken) == 2)
            {
                bothHoldFirst.SetResult();
            }
        }

        var flow1 = Task.Run(async () =>
        {
            using var holdA = await a.AcquireAsync(deadlockBreaker.Token);
            Arrived();
            await bothHoldFirst.Task.WaitAsync(deadlockBreaker.Token);
            using var holdB = await b.AcquireAsync(deadlockBreaker.Token);
            return true;
        });

        var flow2 = Task.Run(async () =>
        {
            using var holdB = await b.AcquireAsync(deadlockBreaker.Token);
            Arrived();
            await bothHoldFirst.Task.WaitAsync(deadlockBreaker.Token);
            using var holdA = await a.AcquireAsync(deadlockBreaker.Token);
            return true;
        });

        var violation = await Should.ThrowAsync<LockOrderViolationException>(flow2.WaitAsync(Bound + Bound));
        (await flow1.WaitAsync(Bound + Bound)).ShouldBeTrue();
        deadlockBreaker.IsCancellationRequested.ShouldBeFalse();

        violation.HeldLock.ShouldBe(b.Name);
        violation.RequestedLock.ShouldBe(a.Name);
    }
}
