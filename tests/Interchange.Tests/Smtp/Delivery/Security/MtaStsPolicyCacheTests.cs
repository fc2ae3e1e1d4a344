using Interchange.Smtp.Delivery.Security;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Smtp.Delivery.Security;

/// <summary>The policy cache under many threads (ARCHITECTURE 4, rule 3): never an expired entry, never an older fetch over a newer.</summary>
public sealed class MtaStsPolicyCacheTests
{
    [Fact]
    public async Task ManyWritersAndReaders_WhileTheClockRuns_NeverSeeAnExpiredOrOlderPolicy()
    {
        var clock = new ManualTimeProvider();
        var cache = new MtaStsPolicyCache(null, clock);
        MtaStsPolicy.TryParse("version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 60\n", out var policy, out var error).ShouldBeTrue(error);
        var violations = 0;
        var newestPut = 0L;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var workers = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                var now = clock.GetUtcNow();
                switch (random.Next(4))
                {
                    case 0:
                        var entry = new CachedMtaStsPolicy("example.org", "id", policy!, now, now + policy!.MaxAge);
                        cache.Put(entry);
                        InterlockedMax(ref newestPut, now.UtcTicks);
                        break;
                    case 1:
                        clock.Advance(TimeSpan.FromSeconds(random.Next(0, 3)));
                        break;
                    default:
                        // An entry handed out must not have expired before the read began.
                        if (cache.Get("example.org") is { } seen && seen.ExpiresAt <= now)
                        {
                            Interlocked.Increment(ref violations);
                        }

                        break;
                }

                if (i % 64 == 0)
                {
                    await Task.Yield();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        violations.ShouldBe(0);
        var last = cache.Get("example.org");
        if (last is not null)
        {
            // The entry kept is the newest fetch (a Put of an older one never replaced it).
            last.FetchedAt.UtcTicks.ShouldBe(Interlocked.Read(ref newestPut));
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
