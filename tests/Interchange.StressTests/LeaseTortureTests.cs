using System.Collections.Concurrent;
using Interchange.Core.Concurrency;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seed Q289795 (two threads delete one ref-counted object), ARCHITECTURE.md rule 4. 32 tasks
/// lease shared objects, release leases (sometimes twice, sometimes from two tasks at once),
/// and retire objects by releasing the owner's reference (sometimes from several tasks at once)
/// while others are still using them. Each object must be disposed exactly once, never while
/// a lease is held, and a released lease must refuse to hand out its object.
/// </summary>
public sealed class LeaseTortureTests(ITestOutputHelper output)
{
    private const int Tasks = 32;
    private const int Slots = 8;
    private const int IterationsPerTask = 3000;

    [Fact]
    public async Task RefCountedLease_Q289795_SharedObjectsAreDisposedExactlyOnceAndNeverWhileLeased()
    {
        var all = new ConcurrentQueue<(RefCounted<TrackedResource> Shared, TrackedResource Resource)>();
        var slots = new RefCounted<TrackedResource>[Slots];
        for (var i = 0; i < Slots; i++)
        {
            slots[i] = NewShared(all);
        }

        var failures = new ConcurrentQueue<string>();
        long leases = 0, retirements = 0, refusedAfterRetire = 0;

        var workers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            var random = new Random(t * 104729);
            for (var i = 0; i < IterationsPerTask; i++)
            {
                var slot = random.Next(Slots);
                var shared = Volatile.Read(ref slots[slot]);
                var action = random.Next(100);
                if (action < 5)
                {
                    // Retire: swap in a fresh object, then drop the owner's reference of the old one.
                    // Racing tasks may retire the same object: its owner reference drops once.
                    var replacement = NewShared(all);
                    if (Interlocked.CompareExchange(ref slots[slot], replacement, shared) != shared)
                    {
                        replacement.ReleaseOwner();
                    }

                    shared.ReleaseOwner();
                    if (random.Next(2) == 0)
                    {
                        shared.ReleaseOwner();
                    }

                    Interlocked.Increment(ref retirements);
                    continue;
                }

                if (random.Next(4) == 0)
                {
                    // Widen the window between finding the object and leasing it: it may be retired meanwhile.
                    await Task.Yield();
                }

                var lease = shared.TryAcquire();
                if (lease is null)
                {
                    Interlocked.Increment(ref refusedAfterRetire);
                    continue;
                }

                Interlocked.Increment(ref leases);
                var resource = lease.Value;
                resource.Enter();
                if (resource.IsDisposed)
                {
                    failures.Enqueue("a leased object was already disposed");
                }

                if (random.Next(4) == 0)
                {
                    await Task.Yield();
                }

                if (resource.IsDisposed)
                {
                    failures.Enqueue("an object was disposed while leased");
                }

                resource.Exit();
                if (random.Next(10) == 0)
                {
                    // Two tasks releasing the same lease at once: it releases once.
                    await Task.WhenAll(Task.Run(lease.Dispose), Task.Run(lease.Dispose));
                }
                else
                {
                    lease.Dispose();
                }

                try
                {
                    _ = lease.Value;
                    failures.Enqueue("a released lease still handed out its object");
                }
                catch (ObjectDisposedException)
                {
                    // Expected: use after release is refused.
                }
            }
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));
        foreach (var shared in slots)
        {
            shared.ReleaseOwner();
        }

        output.WriteLine($"{all.Count} objects, {leases} leases, {retirements} retirements, {refusedAfterRetire} leases refused on retired objects");
        failures.Count.ShouldBe(0, string.Join(Environment.NewLine, failures.Distinct().Take(20)));
        all.Count.ShouldBeGreaterThan(Slots, "objects were retired and replaced during the run");
        foreach (var (shared, resource) in all)
        {
            resource.DisposeCount.ShouldBe(1, "every object is disposed exactly once");
            resource.DisposedWhileInUse.ShouldBeFalse();
            shared.IsDisposed.ShouldBeTrue();
            shared.Count.ShouldBe(0);
            shared.TryAcquire().ShouldBeNull("a disposed object is never leased again");
        }
    }

    private static RefCounted<TrackedResource> NewShared(ConcurrentQueue<(RefCounted<TrackedResource>, TrackedResource)> all)
    {
        var resource = new TrackedResource();
        var shared = new RefCounted<TrackedResource>(resource);
        all.Enqueue((shared, resource));
        return shared;
    }

    private sealed class TrackedResource : IDisposable
    {
        private int _users;
        private int _disposeCount;
        private int _disposedWhileInUse;

        public int DisposeCount => Volatile.Read(ref _disposeCount);

        public bool IsDisposed => DisposeCount > 0;

        public bool DisposedWhileInUse => Volatile.Read(ref _disposedWhileInUse) != 0;

        public void Enter() => Interlocked.Increment(ref _users);

        public void Exit() => Interlocked.Decrement(ref _users);

        public void Dispose()
        {
            if (Volatile.Read(ref _users) != 0)
            {
                Volatile.Write(ref _disposedWhileInUse, 1);
            }

            Interlocked.Increment(ref _disposeCount);
        }
    }
}
