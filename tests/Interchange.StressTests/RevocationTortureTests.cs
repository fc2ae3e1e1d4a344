using System.Collections.Concurrent;
using Interchange.Directory.Security;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// ARCHITECTURE.md rule 3 for the revocation push (issue 8 item 5): sessions take the user's
/// current revocation generation and wait on its token while several threads revoke at once.
/// Invariant: once the revokers stop, every generation but the current one has had its token
/// cancelled, each waiting session was told exactly once, and the current one is not cancelled.
/// A revocation lost to a race would leave sessions of a revoked password running for ever.
/// </summary>
public sealed class RevocationTortureTests(ITestOutputHelper output)
{
    private const int Sessions = 16;
    private const int Revokers = 4;
    private const int RevocationsPerRevoker = 20_000;
    private const int MaxTakesPerSession = 100_000;

    [Fact]
    public void RevocationCell_ConcurrentRevokesAndSessions_EveryOlderGenerationIsCancelledExactlyOnce()
    {
        var cell = new RevocationCell();
        var taken = new ConcurrentDictionary<RevocationCell.Generation, byte>();
        var told = new ConcurrentDictionary<long, int>(); // session registration id -> times told
        var registrations = new ConcurrentDictionary<long, RevocationCell.Generation>();
        long nextId = 0;
        var revokersDone = 0;
        var bound = System.Diagnostics.Stopwatch.StartNew();
        using var start = new Barrier(Sessions + Revokers);

        // Threads of their own (more than cores), released together, so that sessions and
        // revokers really overlap whatever the thread pool would have scheduled.
        var sessions = Enumerable.Range(0, Sessions).Select(s => new Thread(() =>
        {
            var random = new Random(s);
            start.SignalAndWait();
            for (var n = 0; n < MaxTakesPerSession && Volatile.Read(ref revokersDone) < Revokers && bound.Elapsed < TimeSpan.FromSeconds(60); n++)
            {
                var generation = cell.Current;
                taken.TryAdd(generation, 0);
                var id = Interlocked.Increment(ref nextId);
                registrations[id] = generation;
                told[id] = 0;
                generation.Ended.Register(() => told.AddOrUpdate(id, 1, (_, count) => count + 1));
                if (random.Next(4) == 0)
                {
                    Thread.Yield();
                }
            }
        })).ToList();

        var revokers = Enumerable.Range(0, Revokers).Select(r => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < RevocationsPerRevoker && bound.Elapsed < TimeSpan.FromSeconds(60); i++)
            {
                cell.Revoke();
                Thread.Yield();
            }

            Interlocked.Increment(ref revokersDone);
        })).ToList();

        sessions.Concat(revokers).ToList().ForEach(t => t.Start());
        foreach (var thread in sessions.Concat(revokers))
        {
            thread.Join(TimeSpan.FromSeconds(90)).ShouldBeTrue("the torture finished within its bound");
        }

        bound.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the torture finished within its bound");

        var current = cell.Current;
        var violations = new List<string>();
        if (current.Epoch != Revokers * RevocationsPerRevoker)
        {
            violations.Add($"epoch {current.Epoch} after {Revokers * RevocationsPerRevoker} revocations: some were lost");
        }

        foreach (var generation in taken.Keys)
        {
            if (generation != current && !generation.Ended.IsCancellationRequested)
            {
                violations.Add($"generation {generation.Epoch} was replaced but its sessions were never told (current {current.Epoch})");
            }
        }

        if (current.Ended.IsCancellationRequested)
        {
            violations.Add("the current generation's token is cancelled");
        }

        foreach (var (id, generation) in registrations)
        {
            var expected = generation == current ? 0 : 1;
            if (told[id] != expected)
            {
                violations.Add($"session {id} of generation {generation.Epoch} was told {told[id]} times, expected {expected}");
            }
        }

        output.WriteLine($"{Revokers * RevocationsPerRevoker} revocations, {registrations.Count} sessions, {taken.Count} generations taken, {violations.Count} violations");
        violations.Count.ShouldBe(0, string.Join(Environment.NewLine, violations.Take(20)));
        taken.Count.ShouldBeGreaterThan(Revokers, "the sessions did take many generations (the torture exercised the race)");
    }
}
