using System.Collections.Concurrent;
using Interchange.Pop3.Session;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// The POP3 maildrop locks (one session per maildrop, RFC 1939 8) under 32 tasks taking and
/// releasing the locks of four users, with stale releases thrown in: a maildrop never has two
/// holders, a stale release never frees a maildrop someone else holds, and all is free at the end.
/// </summary>
public sealed class MaildropLockTortureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MaildropLocks_NeverTwoSessionsOnOneMaildrop()
    {
        var locks = new MaildropLocks();
        var users = new[] { "a@x.test", "b@x.test", "c@x.test", "d@x.test" };
        var holders = new int[users.Length];
        var failures = new ConcurrentQueue<string>();
        long taken = 0, refused = 0;

        await Task.WhenAll(Enumerable.Range(0, 32).Select(t => Task.Run(async () =>
        {
            var random = new Random(t);
            // Past 3000, on until sessions have contended (bounded): waited for, not hoped for.
            for (var i = 0; i < 3000 || (Interlocked.Read(ref refused) == 0 && i < 300_000); i++)
            {
                var u = random.Next(users.Length);
                var session = new object();
                if (!locks.TryTake(users[u], session))
                {
                    Interlocked.Increment(ref refused);

                    // A release by a session that does not hold the lock must change nothing.
                    if (locks.Release(users[u], session))
                    {
                        failures.Enqueue($"a stale release freed {users[u]}");
                    }

                    continue;
                }

                Interlocked.Increment(ref taken);
                if (Interlocked.Increment(ref holders[u]) != 1)
                {
                    failures.Enqueue($"two sessions on {users[u]}");
                }

                if (random.Next(4) == 0)
                {
                    await Task.Delay(1);
                }

                locks.IsHeldBy(users[u], session).ShouldBeTrue();
                Interlocked.Decrement(ref holders[u]);
                if (!locks.Release(users[u], session))
                {
                    failures.Enqueue($"the holder of {users[u]} could not release it");
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(120));

        output.WriteLine($"{taken} taken, {refused} refused");
        failures.Count.ShouldBe(0, string.Join(Environment.NewLine, failures.Take(10)));
        refused.ShouldBeGreaterThan(0, "sessions did contend within 300,000 takes per task");
        locks.Count.ShouldBe(0);
    }
}
