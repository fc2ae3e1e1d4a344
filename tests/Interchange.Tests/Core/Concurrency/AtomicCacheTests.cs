using Interchange.Core.Concurrency;
using Shouldly;

namespace Interchange.Tests.Core.Concurrency;

public sealed class AtomicCacheTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Concurrent_callers_for_one_key_share_one_factory_run_and_one_entry()
    {
        var cache = new AtomicCache<string, Box>();
        var calls = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Callers = 64;
        using var start = new Barrier(Callers);

        async Task<Box> Factory(string key, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            await release.Task;
            return new Box(key);
        }

        var callers = Enumerable.Range(0, Callers)
            .Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return cache.GetOrAddAsync("alice", Factory).AsTask();
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap())
            .ToList();

        // Every caller is waiting on the one shared computation before it is allowed to finish.
        await TestSupport.Eventually.TrueAsync(() => Volatile.Read(ref calls) >= 1, "the factory to start");
        release.SetResult();
        var entries = await Task.WhenAll(callers).WaitAsync(Bound);

        calls.ShouldBe(1);
        entries.Distinct().ShouldHaveSingleItem();
        entries[0].Value.Key.ShouldBe("alice");
        entries.Select(e => e.Value).Distinct().ShouldHaveSingleItem();
        cache.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Different_keys_get_different_entries_with_distinct_generations()
    {
        var cache = new AtomicCache<string, Box>(StringComparer.OrdinalIgnoreCase);

        var a = await cache.GetOrAddAsync("a", (k, _) => Task.FromResult(new Box(k)));
        var b = await cache.GetOrAddAsync("b", (k, _) => Task.FromResult(new Box(k)));
        var aAgain = await cache.GetOrAddAsync("A", (k, _) => Task.FromResult(new Box("unused")));

        a.ShouldNotBeSameAs(b);
        a.Generation.ShouldNotBe(b.Generation);
        aAgain.ShouldBeSameAs(a);
        cache.Keys.OrderBy(k => k).ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task A_faulting_factory_removes_its_entry_and_the_next_call_tries_again()
    {
        var cache = new AtomicCache<string, Box>();
        var calls = 0;

        Task<Box> Factory(string key, CancellationToken ct)
        {
            return Interlocked.Increment(ref calls) == 1
                ? Task.FromException<Box>(new InvalidOperationException("directory unavailable"))
                : Task.FromResult(new Box(key));
        }

        var ex = await Should.ThrowAsync<InvalidOperationException>(async () => await cache.GetOrAddAsync("bob", Factory));
        ex.Message.ShouldBe("directory unavailable");
        cache.Count.ShouldBe(0);
        cache.TryGet("bob", out _).ShouldBeFalse();

        var entry = await cache.GetOrAddAsync("bob", Factory);

        calls.ShouldBe(2);
        entry.Value.Key.ShouldBe("bob");
        cache.TryGet("bob", out var current).ShouldBeTrue();
        current.ShouldBeSameAs(entry);
    }

    [Fact]
    public async Task A_factory_that_throws_synchronously_is_treated_like_a_faulted_one()
    {
        var cache = new AtomicCache<string, Box>();
        var calls = 0;

        Task<Box> Factory(string key, CancellationToken ct)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("boom");
            }

            return Task.FromResult(new Box(key));
        }

        await Should.ThrowAsync<InvalidOperationException>(async () => await cache.GetOrAddAsync("carol", Factory));
        cache.Count.ShouldBe(0);

        var entry = await cache.GetOrAddAsync("carol", Factory);
        calls.ShouldBe(2);
        entry.Value.Key.ShouldBe("carol");
    }

    [Fact]
    public async Task Callers_sharing_a_failed_computation_all_see_the_error_and_the_factory_ran_once()
    {
        var cache = new AtomicCache<string, Box>();
        var calls = 0;
        var fail = new TaskCompletionSource<Box>(TaskCreationOptions.RunContinuationsAsynchronously);

        Task<Box> Factory(string key, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            return fail.Task;
        }

        var callers = Enumerable.Range(0, 8).Select(_ => cache.GetOrAddAsync("dave", Factory).AsTask()).ToList();
        fail.SetException(new TimeoutException("slow directory"));

        foreach (var caller in callers)
        {
            await Should.ThrowAsync<TimeoutException>(caller.WaitAsync(Bound));
        }

        calls.ShouldBe(1);
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Removing_a_stale_entry_by_instance_does_not_remove_the_newer_one()
    {
        var cache = new AtomicCache<string, Box>();
        var stale = await cache.GetOrAddAsync("erin", (k, _) => Task.FromResult(new Box(k)));
        cache.Invalidate("erin").ShouldBeSameAs(stale);
        var fresh = await cache.GetOrAddAsync("erin", (k, _) => Task.FromResult(new Box(k)));

        cache.TryRemove("erin", stale).ShouldBeFalse();

        cache.TryGet("erin", out var current).ShouldBeTrue();
        current.ShouldBeSameAs(fresh);
        fresh.Generation.ShouldBeGreaterThan(stale.Generation);

        cache.TryRemove("erin", fresh).ShouldBeTrue();
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Invalidate_marks_the_entry_and_removes_it()
    {
        var cache = new AtomicCache<string, Box>();
        var entry = await cache.GetOrAddAsync("frank", (k, _) => Task.FromResult(new Box(k)));
        entry.IsInvalidated.ShouldBeFalse();

        var invalidated = cache.Invalidate("frank");

        invalidated.ShouldBeSameAs(entry);
        entry.IsInvalidated.ShouldBeTrue();
        cache.Count.ShouldBe(0);
        cache.TryGet("frank", out _).ShouldBeFalse();
        cache.Invalidate("frank").ShouldBeNull();

        // A holder keeps what it was given: the value is still readable, only marked stale.
        entry.Value.Key.ShouldBe("frank");
    }

    [Fact]
    public async Task An_invalidation_during_the_build_makes_the_caller_build_again_after_it()
    {
        var cache = new AtomicCache<string, Box>();
        var calls = 0;
        var firstBuildStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirstBuild = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<Box> Factory(string key, CancellationToken ct)
        {
            var call = Interlocked.Increment(ref calls);
            if (call == 1)
            {
                firstBuildStarted.SetResult();
                await releaseFirstBuild.Task;
                return new Box(key) { Built = "before the change" };
            }

            return new Box(key) { Built = "after the change" };
        }

        var caller = cache.GetOrAddAsync("grace", Factory).AsTask();
        await firstBuildStarted.Task.WaitAsync(Bound);

        var invalidated = cache.Invalidate("grace");
        invalidated.ShouldNotBeNull();
        invalidated.HasValue.ShouldBeFalse();
        releaseFirstBuild.SetResult();

        var entry = await caller.WaitAsync(Bound);

        calls.ShouldBe(2);
        entry.ShouldNotBeSameAs(invalidated);
        entry.IsInvalidated.ShouldBeFalse();
        entry.Generation.ShouldBeGreaterThan(invalidated.Generation);
        entry.Value.Built.ShouldBe("after the change");
        cache.TryGet("grace", out var current).ShouldBeTrue();
        current.ShouldBeSameAs(entry);
    }

    [Fact]
    public async Task InvalidateAll_invalidates_and_counts_every_entry()
    {
        var cache = new AtomicCache<string, Box>();
        var entries = new List<CacheEntry<Box>>();
        foreach (var key in new[] { "a", "b", "c" })
        {
            entries.Add(await cache.GetOrAddAsync(key, (k, _) => Task.FromResult(new Box(k))));
        }

        cache.InvalidateAll().ShouldBe(3);

        cache.Count.ShouldBe(0);
        entries.ShouldAllBe(e => e.IsInvalidated);
        cache.InvalidateAll().ShouldBe(0);
    }

    [Fact]
    public async Task A_cancelled_caller_stops_waiting_but_the_shared_build_goes_on_for_the_others()
    {
        var cache = new AtomicCache<string, Box>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;

        async Task<Box> Factory(string key, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            await release.Task;
            return new Box(key);
        }

        using var cts = new CancellationTokenSource();
        var impatient = cache.GetOrAddAsync("heidi", Factory, cts.Token).AsTask();
        var patient = cache.GetOrAddAsync("heidi", Factory).AsTask();
        cts.Cancel();

        await Should.ThrowAsync<OperationCanceledException>(impatient.WaitAsync(Bound));
        patient.IsCompleted.ShouldBeFalse();

        release.SetResult();
        var entry = await patient.WaitAsync(Bound);
        entry.Value.Key.ShouldBe("heidi");
        calls.ShouldBe(1);
    }

    [Fact]
    public async Task An_entry_without_a_value_refuses_to_give_one()
    {
        var cache = new AtomicCache<string, Box>();
        var never = new TaskCompletionSource<Box>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = cache.GetOrAddAsync("ivan", (_, _) => never.Task).AsTask();

        var entry = cache.Invalidate("ivan");

        entry.ShouldNotBeNull();
        entry.HasValue.ShouldBeFalse();
        Should.Throw<InvalidOperationException>(() => entry.Value);

        never.SetCanceled();
        await Should.ThrowAsync<OperationCanceledException>(pending.WaitAsync(Bound));
        cache.Count.ShouldBe(0);
    }

    /// <summary>A reference type without value equality, so "the same value" means the same instance.</summary>
    private sealed class Box(string key)
    {
        public string Key { get; } = key;

        public string Built { get; init; } = "";
    }
}
