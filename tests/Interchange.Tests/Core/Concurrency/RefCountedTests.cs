using Interchange.Core.Concurrency;
using Shouldly;

namespace Interchange.Tests.Core.Concurrency;

public sealed class RefCountedTests
{
    [Fact]
    public void The_value_is_disposed_once_after_the_owner_and_every_lease_let_go()
    {
        var value = new CountingDisposable();
        var shared = new RefCounted<CountingDisposable>(value);
        var lease1 = shared.Acquire();
        var lease2 = shared.Acquire();
        shared.Count.ShouldBe(3);

        shared.ReleaseOwner();
        value.DisposeCount.ShouldBe(0);
        shared.IsDisposed.ShouldBeFalse();

        lease1.Dispose();
        value.DisposeCount.ShouldBe(0);
        lease2.Value.ShouldBeSameAs(value);

        lease2.Dispose();
        value.DisposeCount.ShouldBe(1);
        shared.IsDisposed.ShouldBeTrue();
        shared.Count.ShouldBe(0);
    }

    [Fact]
    public void The_value_is_disposed_when_the_owner_lets_go_last()
    {
        var value = new CountingDisposable();
        var shared = new RefCounted<CountingDisposable>(value);

        using (var lease = shared.Acquire())
        {
            lease.Value.ShouldBeSameAs(value);
        }

        value.DisposeCount.ShouldBe(0);
        shared.ReleaseOwner();
        value.DisposeCount.ShouldBe(1);
    }

    [Fact]
    public void Releasing_the_owner_twice_counts_once()
    {
        var value = new CountingDisposable();
        var shared = new RefCounted<CountingDisposable>(value);
        var lease = shared.Acquire();

        shared.ReleaseOwner();
        shared.ReleaseOwner();

        value.DisposeCount.ShouldBe(0);
        shared.Count.ShouldBe(1);
        lease.Dispose();
        value.DisposeCount.ShouldBe(1);
    }

    [Fact]
    public void Disposing_a_lease_twice_releases_it_once()
    {
        var value = new CountingDisposable();
        var shared = new RefCounted<CountingDisposable>(value);
        var twice = shared.Acquire();
        var other = shared.Acquire();
        shared.ReleaseOwner();

        twice.Dispose();
        twice.Dispose();

        twice.IsReleased.ShouldBeTrue();
        shared.Count.ShouldBe(1);
        value.DisposeCount.ShouldBe(0, "the second Dispose must not release the other lease's reference");
        other.Value.ShouldBeSameAs(value);

        other.Dispose();
        value.DisposeCount.ShouldBe(1);
    }

    [Fact]
    public void Using_a_released_lease_throws()
    {
        var shared = new RefCounted<CountingDisposable>(new CountingDisposable());
        var lease = shared.Acquire();
        lease.Dispose();

        Should.Throw<ObjectDisposedException>(() => lease.Value);
    }

    [Fact]
    public void No_lease_can_be_taken_once_the_object_is_disposed()
    {
        var value = new CountingDisposable();
        var shared = new RefCounted<CountingDisposable>(value);
        shared.ReleaseOwner();

        value.DisposeCount.ShouldBe(1);
        shared.TryAcquire().ShouldBeNull();
        Should.Throw<ObjectDisposedException>(() => shared.Acquire());
        shared.Count.ShouldBe(0);
    }

    [Fact]
    public void The_disposed_callback_runs_once_after_the_dispose()
    {
        var value = new CountingDisposable();
        var calls = 0;
        var disposedAtCallback = -1;
        var shared = new RefCounted<CountingDisposable>(value, v =>
        {
            v.ShouldBeSameAs(value);
            disposedAtCallback = v.DisposeCount;
            calls++;
        });
        var lease = shared.Acquire();

        shared.ReleaseOwner();
        calls.ShouldBe(0);
        lease.Dispose();
        lease.Dispose();
        shared.ReleaseOwner();

        calls.ShouldBe(1);
        disposedAtCallback.ShouldBe(1);
    }

    [Fact]
    public void A_null_value_is_refused()
    {
        Should.Throw<ArgumentNullException>(() => new RefCounted<CountingDisposable>(null!));
    }

    [Fact]
    public async Task Many_tasks_leasing_while_the_owner_lets_go_dispose_exactly_once_and_never_under_a_holder()
    {
        const int Rounds = 20;
        const int Tasks = 32;
        const int MaxLeasesPerTask = 500;

        for (var round = 0; round < Rounds; round++)
        {
            var active = new ActiveCounter();
            var value = new CountingDisposable(active);
            var callbacks = 0;
            var shared = new RefCounted<CountingDisposable>(value, _ => Interlocked.Increment(ref callbacks));
            var usedAfterDispose = 0;
            var leasesTaken = 0;
            using var start = new Barrier(Tasks + 1);

            var workers = Enumerable.Range(0, Tasks).Select(i => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    for (var n = 0; n < MaxLeasesPerTask; n++)
                    {
                        var lease = shared.TryAcquire();
                        if (lease is null)
                        {
                            return; // the object is gone; nobody may get it again
                        }

                        Interlocked.Increment(ref leasesTaken);
                        active.Enter();
                        if (lease.Value.DisposeCount != 0)
                        {
                            Interlocked.Increment(ref usedAfterDispose);
                        }

                        if ((n + i) % 7 == 0)
                        {
                            Thread.Yield();
                        }

                        active.Exit();
                        lease.Dispose();
                        lease.Dispose(); // harmless
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToList();

            start.SignalAndWait();

            // Let go of the owner's reference while the workers are busy leasing.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Volatile.Read(ref leasesTaken) < Tasks * 20 && DateTime.UtcNow < deadline)
            {
                Thread.Yield();
            }

            shared.ReleaseOwner();

            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

            leasesTaken.ShouldBeGreaterThan(0);
            usedAfterDispose.ShouldBe(0, $"round {round}: a lease saw a disposed value");
            value.DisposeCount.ShouldBe(1, $"round {round}: disposed {value.DisposeCount} times");
            value.HoldersAtDispose.ShouldBe(0, $"round {round}: disposed while {value.HoldersAtDispose} holder(s) used it");
            callbacks.ShouldBe(1);
            shared.IsDisposed.ShouldBeTrue();
            shared.TryAcquire().ShouldBeNull();
        }
    }

    private sealed class ActiveCounter
    {
        private int _active;

        public int Current => Volatile.Read(ref _active);

        public void Enter() => Interlocked.Increment(ref _active);

        public void Exit() => Interlocked.Decrement(ref _active);
    }

    private sealed class CountingDisposable(ActiveCounter? holders = null) : IDisposable
    {
        private int _disposeCount;

        public int DisposeCount => Volatile.Read(ref _disposeCount);

        public int HoldersAtDispose { get; private set; } = -1;

        public void Dispose()
        {
            if (Interlocked.Increment(ref _disposeCount) == 1)
            {
                HoldersAtDispose = holders?.Current ?? 0;
            }
        }
    }
}
