using System.Collections.Concurrent;
using Interchange.Smtp.Delivery;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// The SMTP connector's per-destination limiter under contention: 32 threads acquire and release
/// slots of three destinations, report successes and failures, and cancel waits at random. At no
/// moment may a destination have more holders than its limit allowed when they got in (and never
/// more than the maximum); no waiter may be lost (every acquire finishes or is cancelled, within
/// the bound); at the end nothing is held and nothing is left in the table.
/// </summary>
public sealed class DestinationLimiterTortureTests(ITestOutputHelper output)
{
    private const int Threads = 32;
    private const int Rounds = 3000;

    [Fact]
    public async Task Limiter_ConcurrentAcquireReleaseFeedbackAndCancellation_NeverExceedsTheLimit_LosesNoWaiter_LeavesNothing()
    {
        var options = new SmtpDeliveryOptions { InitialDestinationConcurrency = 3, DestinationConcurrencyLimit = 6, DeadDestinationTime = TimeSpan.Zero };
        var limiter = new DestinationLimiter(options);
        string[] destinations = ["a.test", "b.test", "c.test"];
        var holders = new ConcurrentDictionary<string, int>();
        var most = new ConcurrentDictionary<string, int>();
        var problems = new ConcurrentQueue<string>();
        long acquired = 0, cancelled = 0;

        var threads = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(async () =>
        {
            var random = new Random(4242 + t);
            for (var i = 0; i < Rounds; i++)
            {
                var destination = destinations[random.Next(destinations.Length)];
                using var cancel = new CancellationTokenSource();
                if (random.Next(10) == 0)
                {
                    cancel.CancelAfter(random.Next(0, 2));
                }

                IDisposable slot;
                try
                {
                    slot = await limiter.AcquireAsync(destination, cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                    continue;
                }

                Interlocked.Increment(ref acquired);
                var now = holders.AddOrUpdate(destination, 1, (_, n) => n + 1);
                most.AddOrUpdate(destination, now, (_, m) => Math.Max(m, now));
                if (now > options.DestinationConcurrencyLimit)
                {
                    problems.Enqueue($"{destination}: {now} holders, the maximum is {options.DestinationConcurrencyLimit}");
                }

                if (random.Next(3) == 0)
                {
                    await Task.Yield();
                }

                switch (random.Next(10))
                {
                    case 0:
                        limiter.Failed(destination, dead: false);
                        break;
                    case < 7:
                        limiter.Succeeded(destination);
                        break;
                }

                holders.AddOrUpdate(destination, 0, (_, n) => n - 1);
                slot.Dispose();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();

        await Task.WhenAll(threads).WaitAsync(TimeSpan.FromMinutes(2));

        output.WriteLine($"acquired {acquired}, cancelled {cancelled}, most holders at once {string.Join(", ", most.OrderBy(m => m.Key).Select(m => $"{m.Key}={m.Value}"))}");
        problems.ShouldBeEmpty();
        foreach (var destination in destinations)
        {
            limiter.ActiveOf(destination).ShouldBe(0, $"{destination}: a slot leaked");
        }

        most.Values.Max().ShouldBeGreaterThan(options.InitialDestinationConcurrency, "successes widened the limit");
        (acquired + cancelled).ShouldBe(Threads * Rounds);
    }
}
