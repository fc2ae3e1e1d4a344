using Interchange.Core.Concurrency;
using Shouldly;

namespace Interchange.Tests.Core.Concurrency;

public sealed class OrderedLockTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Many_flows_incrementing_a_plain_counter_under_the_lock_never_lose_an_update()
    {
        var gate = new OrderedLock(Unique("counter"), LockLevel.Leaf);
        var counter = 0;
        const int AsyncFlows = 16;
        const int BlockingThreads = 8;
        const int Rounds = 200;

        // Async flows await inside the critical section; blocking ones run on their own threads
        // (not pool threads, which the async flows need to make progress).
        var asyncFlows = Enumerable.Range(0, AsyncFlows).Select(_ => Task.Run(async () =>
        {
            for (var r = 0; r < Rounds; r++)
            {
                using var hold = await gate.AcquireAsync();
                var read = counter;
                await Task.Yield(); // give others every chance to interleave inside the critical section
                counter = read + 1;
            }
        }));
        var blockingThreads = Enumerable.Range(0, BlockingThreads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                for (var r = 0; r < Rounds; r++)
                {
                    using var hold = gate.Acquire();
                    var read = counter;
                    Thread.Yield();
                    counter = read + 1;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));

        await Task.WhenAll(asyncFlows.Concat(blockingThreads)).WaitAsync(TimeSpan.FromSeconds(60));

        counter.ShouldBe((AsyncFlows + BlockingThreads) * Rounds);
        gate.HolderName.ShouldBeNull();
    }

    [Fact]
    public void Locks_taken_in_strictly_ascending_level_are_all_held_and_released()
    {
        var levels = Enum.GetValues<LockLevel>().OrderBy(l => (int)l).ToArray();
        var locks = levels.Select(l => new OrderedLock(Unique(l.ToString()), l)).ToArray();
        var holds = new List<LockHold>();

        foreach (var l in locks)
        {
            holds.Add(l.Acquire());
        }

        LockOrderValidator.CurrentlyHeld.ShouldBe(locks.Select(l => l.Name).ToArray());
        locks.ShouldAllBe(l => l.HolderName != null);

        for (var i = holds.Count - 1; i >= 0; i--)
        {
            holds[i].Dispose();
        }

        LockOrderValidator.CurrentlyHeld.ShouldBeEmpty();
        locks.ShouldAllBe(l => l.HolderName == null);
    }

    [Fact]
    public void Taking_a_lower_level_while_holding_a_higher_one_throws_naming_both_locks()
    {
        var high = new OrderedLock(Unique("store"), LockLevel.Store);
        var low = new OrderedLock(Unique("directory"), LockLevel.Directory);

        using var held = high.Acquire();
        var ex = Should.Throw<LockOrderViolationException>(() => low.Acquire());

        ex.HeldLock.ShouldBe(high.Name);
        ex.HeldLevel.ShouldBe(LockLevel.Store);
        ex.RequestedLock.ShouldBe(low.Name);
        ex.RequestedLevel.ShouldBe(LockLevel.Directory);
        ex.Message.ShouldContain(high.Name);
        ex.Message.ShouldContain(low.Name);

        // The refused acquisition left nothing behind: the flow holds only the high lock, and the
        // low lock was never taken.
        LockOrderValidator.CurrentlyHeld.ShouldBe([high.Name]);
        low.HolderName.ShouldBeNull();
    }

    [Fact]
    public void Taking_another_lock_of_the_same_level_throws()
    {
        var first = new OrderedLock(Unique("mailbox-a"), LockLevel.Mailbox);
        var second = new OrderedLock(Unique("mailbox-b"), LockLevel.Mailbox);

        using var held = first.Acquire();
        var ex = Should.Throw<LockOrderViolationException>(() => second.Acquire());

        ex.HeldLock.ShouldBe(first.Name);
        ex.RequestedLock.ShouldBe(second.Name);
    }

    [Fact]
    public void The_violation_names_the_highest_conflicting_lock_held()
    {
        var directory = new OrderedLock(Unique("directory"), LockLevel.Directory);
        var queue = new OrderedLock(Unique("queue"), LockLevel.Queue);
        var store = new OrderedLock(Unique("store"), LockLevel.Store);
        var security = new OrderedLock(Unique("security"), LockLevel.SecurityContext);

        using var a = directory.Acquire();
        using var b = queue.Acquire();
        using var c = store.Acquire();
        var ex = Should.Throw<LockOrderViolationException>(() => security.Acquire());

        ex.HeldLock.ShouldBe(store.Name);
        ex.HeldLevel.ShouldBe(LockLevel.Store);
    }

    [Fact]
    public void An_async_acquisition_out_of_order_throws_synchronously_too()
    {
        var high = new OrderedLock(Unique("blob"), LockLevel.BlobStore);
        var low = new OrderedLock(Unique("host"), LockLevel.Host);

        using var held = high.Acquire();
        var ex = Should.Throw<LockOrderViolationException>(() => low.AcquireAsync().AsTask());

        ex.HeldLock.ShouldBe(high.Name);
        ex.RequestedLock.ShouldBe(low.Name);
    }

    [Fact]
    public async Task A_violation_throws_before_waiting_even_when_the_requested_lock_is_busy()
    {
        var low = new OrderedLock(Unique("directory"), LockLevel.Directory);
        var high = new OrderedLock(Unique("store"), LockLevel.Store);

        // Another flow holds the low lock for the whole test.
        var otherHolds = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseOther = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var other = Task.Run(async () =>
        {
            using (LockFlow.Name("other-holder"))
            {
                using var hold = await low.AcquireAsync();
                otherHolds.SetResult();
                await releaseOther.Task;
            }
        });
        await otherHolds.Task.WaitAsync(Bound);

        try
        {
            using var held = high.Acquire();

            // If the check came after the wait, this would block until the token fires and then
            // throw OperationCanceledException instead.
            using var giveUp = new CancellationTokenSource(Bound);
            var ex = Should.Throw<LockOrderViolationException>(() => low.Acquire(giveUp.Token));

            giveUp.IsCancellationRequested.ShouldBeFalse();
            ex.HeldLock.ShouldBe(high.Name);
            ex.RequestedLock.ShouldBe(low.Name);
            low.HolderName.ShouldBe("other-holder");

            var asyncEx = Should.Throw<LockOrderViolationException>(() => low.AcquireAsync(giveUp.Token).AsTask());
            asyncEx.RequestedLock.ShouldBe(low.Name);
            giveUp.IsCancellationRequested.ShouldBeFalse();
        }
        finally
        {
            releaseOther.SetResult();
            await other.WaitAsync(Bound);
        }
    }

    [Fact]
    public async Task Reacquiring_the_same_lock_in_one_flow_throws_instead_of_hanging()
    {
        var gate = new OrderedLock(Unique("mailbox"), LockLevel.Mailbox);

        using var first = gate.Acquire();
        using var giveUp = new CancellationTokenSource(Bound);
        var ex = Should.Throw<LockOrderViolationException>(() => gate.Acquire(giveUp.Token));
        ex.HeldLock.ShouldBe(gate.Name);
        ex.RequestedLock.ShouldBe(gate.Name);

        var asyncEx = await Should.ThrowAsync<LockOrderViolationException>(async () => await gate.AcquireAsync(giveUp.Token));
        asyncEx.RequestedLock.ShouldBe(gate.Name);
        giveUp.IsCancellationRequested.ShouldBeFalse();
    }

    [Fact]
    public async Task A_lock_acquired_with_await_is_tracked_in_the_callers_flow()
    {
        var high = new OrderedLock(Unique("store"), LockLevel.Store);
        var low = new OrderedLock(Unique("queue"), LockLevel.Queue);

        using var h = await high.AcquireAsync();

        LockOrderValidator.CurrentlyHeld.ShouldBe([high.Name]);
        var ex = Should.Throw<LockOrderViolationException>(() => low.Acquire());
        ex.HeldLock.ShouldBe(high.Name);
        ex.RequestedLock.ShouldBe(low.Name);
    }

    [Fact]
    public async Task A_lock_acquired_with_await_after_waiting_is_tracked_in_the_callers_flow()
    {
        var high = new OrderedLock(Unique("store"), LockLevel.Store);
        var low = new OrderedLock(Unique("queue"), LockLevel.Queue);

        // Make the acquisition take the asynchronous path: someone else holds the lock first.
        var blocker = await Task.Run(() => high.Acquire());
        var pending = high.AcquireAsync();
        pending.IsCompleted.ShouldBeFalse();
        blocker.Dispose();

        using var h = await pending.AsTask().WaitAsync(Bound);

        LockOrderValidator.CurrentlyHeld.ShouldBe([high.Name]);
        var ex = Should.Throw<LockOrderViolationException>(() => low.Acquire());
        ex.HeldLock.ShouldBe(high.Name);
    }

    [Fact]
    public async Task A_cancelled_async_wait_throws_and_leaves_the_flow_holding_nothing()
    {
        var contended = new OrderedLock(Unique("store"), LockLevel.Store);
        var lower = new OrderedLock(Unique("directory"), LockLevel.Directory);
        var blocker = await Task.Run(() => contended.Acquire());

        try
        {
            using var cts = new CancellationTokenSource();
            var pending = contended.AcquireAsync(cts.Token);
            pending.IsCompleted.ShouldBeFalse();
            cts.Cancel();

            await Should.ThrowAsync<OperationCanceledException>(pending.AsTask().WaitAsync(Bound));

            LockOrderValidator.CurrentlyHeld.ShouldBeEmpty();
            using var low = lower.Acquire(); // would be a violation if the cancelled hold still counted
            LockOrderValidator.CurrentlyHeld.ShouldBe([lower.Name]);
        }
        finally
        {
            blocker.Dispose();
        }

        // The cancelled waiter never took the lock: it is free once the blocker lets go.
        using var after = await Task.Run(() => contended.AcquireAsync().AsTask()).WaitAsync(Bound);
        after.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_cancelled_sync_wait_throws_and_leaves_the_flow_holding_nothing()
    {
        var contended = new OrderedLock(Unique("store"), LockLevel.Store);
        var lower = new OrderedLock(Unique("directory"), LockLevel.Directory);
        var blocker = await Task.Run(() => contended.Acquire());

        try
        {
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();

            Should.Throw<OperationCanceledException>(() => contended.Acquire(cancelled.Token));

            LockOrderValidator.CurrentlyHeld.ShouldBeEmpty();
            using var low = lower.Acquire();
            LockOrderValidator.CurrentlyHeld.ShouldBe([lower.Name]);
        }
        finally
        {
            blocker.Dispose();
        }
    }

    [Fact]
    public async Task Disposing_a_hold_twice_releases_the_lock_only_once()
    {
        var gate = new OrderedLock(Unique("leaf"), LockLevel.Leaf);

        var first = gate.Acquire();
        first.Dispose();
        first.Dispose();
        LockOrderValidator.CurrentlyHeld.ShouldBeEmpty();

        // A second flow gets it...
        var second = await Task.Run(() => gate.Acquire()).WaitAsync(Bound);
        gate.HolderName.ShouldNotBeNull();

        // ...and a third cannot while the second holds it (a double release would have let it in).
        using var noWait = new CancellationTokenSource();
        noWait.Cancel();
        await Should.ThrowAsync<OperationCanceledException>(Task.Run(() => gate.Acquire(noWait.Token)));
        var third = Task.Run(() => gate.AcquireAsync().AsTask());

        // Disposing the first hold again must not release the second's lock.
        first.Dispose();
        third.IsCompleted.ShouldBeFalse();
        await Should.ThrowAsync<OperationCanceledException>(Task.Run(() => gate.Acquire(noWait.Token)));

        second.Dispose();
        using var thirdHold = await third.WaitAsync(Bound);
        thirdHold.Lock.ShouldBeSameAs(gate);
    }

    [Fact]
    public async Task A_flow_forked_while_a_lock_is_held_inherits_it_until_it_is_released()
    {
        var high = new OrderedLock(Unique("store"), LockLevel.Store);
        var low = new OrderedLock(Unique("queue"), LockLevel.Queue);
        var parentReleased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var childChecked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = high.Acquire();

        var child = Task.Run(async () =>
        {
            LockOrderViolationException whileHeld;
            try
            {
                whileHeld = Should.Throw<LockOrderViolationException>(() => low.Acquire());
            }
            finally
            {
                childChecked.SetResult();
            }

            await parentReleased.Task;

            // The release happened in the parent's flow; the child's snapshot must not count it any more.
            LockOrderValidator.CurrentlyHeld.ShouldBeEmpty();
            using var afterRelease = low.Acquire();
            return whileHeld;
        });

        await childChecked.Task.WaitAsync(Bound);
        hold.Dispose();
        parentReleased.SetResult();

        var violation = await child.WaitAsync(Bound);
        violation.HeldLock.ShouldBe(high.Name);
    }

    [Fact]
    public async Task A_hold_released_from_another_flow_no_longer_counts_in_the_flow_that_took_it()
    {
        var high = new OrderedLock(Unique("store"), LockLevel.Store);
        var low = new OrderedLock(Unique("directory"), LockLevel.Directory);
        var hold = high.Acquire();

        await Task.Run(hold.Dispose).WaitAsync(Bound);

        LockOrderValidator.CurrentlyHeld.ShouldBeEmpty();
        high.HolderName.ShouldBeNull();
        using var lowHold = low.Acquire();
        LockOrderValidator.CurrentlyHeld.ShouldBe([low.Name]);
    }

    [Fact]
    public void The_holder_name_is_the_flow_name_while_held()
    {
        var gate = new OrderedLock(Unique("leaf"), LockLevel.Leaf);

        using (LockFlow.Name("imap session 17"))
        {
            using var hold = gate.Acquire();
            hold.HolderName.ShouldBe("imap session 17");
            gate.HolderName.ShouldBe("imap session 17");
        }

        gate.HolderName.ShouldBeNull();
        LockFlow.CurrentName.ShouldNotBe("imap session 17");
    }

    [Fact]
    public void A_lock_needs_a_name()
    {
        Should.Throw<ArgumentException>(() => new OrderedLock(" ", LockLevel.Leaf));
    }
}
