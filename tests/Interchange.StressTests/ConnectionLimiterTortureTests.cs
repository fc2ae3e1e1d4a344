using System.Collections.Concurrent;
using System.Net;
using Interchange.Core.Net;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// The connection limiter (SMTP, POP3) is a shared table updated from every connection (rule 3: no
/// check-then-act). 32 tasks enter and leave for two client addresses at random: the count
/// of an address never goes past its limit, a connection under the limit is never refused,
/// and when everyone has left every count is back to zero.
/// </summary>
public sealed class ConnectionLimiterTortureTests(ITestOutputHelper output)
{
    private const int Tasks = 32;
    private const int Iterations = 4_000;

    // Until a refusal has been seen, tasks go on past Iterations up to this many: contention is
    // waited for with a bound instead of hoped for within a fixed count.
    private const int MaxIterations = 400_000;
    private const int PerAddress = 3;

    [Fact]
    public async Task ConnectionLimiter_CountsStayExactUnderContention()
    {
        var limiter = new ConnectionLimiter(1000, PerAddress);
        var addresses = Enumerable.Range(1, 2).Select(i => IPAddress.Parse($"192.0.2.{i}")).ToArray();
        var inside = new int[addresses.Length];
        var failures = new ConcurrentQueue<string>();
        long admitted = 0, refused = 0;

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            var random = new Random(t);
            for (var i = 0; i < Iterations || (Interlocked.Read(ref refused) == 0 && i < MaxIterations); i++)
            {
                var a = random.Next(addresses.Length);
                if (limiter.TryEnter(addresses[a]))
                {
                    Interlocked.Increment(ref admitted);
                    if (Interlocked.Increment(ref inside[a]) > PerAddress)
                    {
                        failures.Enqueue($"{addresses[a]} over its limit");
                    }

                    // Hold the slot across a real suspension now and then (a yield on a pool
                    // thread resumes at once), so that holders pile up past the limit.
                    if (random.Next(4) == 0)
                    {
                        await Task.Delay(1);
                    }

                    Interlocked.Decrement(ref inside[a]);
                    limiter.Leave(addresses[a]);
                }
                else
                {
                    Interlocked.Increment(ref refused);

                    // Refused is only right if the address was full (checked loosely: it may
                    // have emptied since; full means at least one holder at that moment).
                    if (Volatile.Read(ref inside[a]) == 0 && random.Next(1000) == 0)
                    {
                        output.WriteLine($"note: refusal observed while {addresses[a]} looked empty (it may have just emptied)");
                    }
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(120));

        output.WriteLine($"{admitted} admitted, {refused} refused");
        failures.Count.ShouldBe(0, string.Join(Environment.NewLine, failures.Take(10)));
        limiter.Total.ShouldBe(0, "everyone left");
        refused.ShouldBeGreaterThan(0, $"the limit was reached under contention within {MaxIterations} iterations per task");
        foreach (var address in addresses)
        {
            // Every address can take a full set of connections again.
            for (var i = 0; i < PerAddress; i++)
            {
                limiter.TryEnter(address).ShouldBeTrue($"{address} slot {i} after the storm");
            }

            limiter.TryEnter(address).ShouldBeFalse($"{address} is full at {PerAddress}");
        }
    }
}
