using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Shouldly;
using Xunit;

namespace Interchange.StressTests;

/// <summary>
/// ARCHITECTURE.md rule 4 for the DKIM keyring (an immutable snapshot swapped, no lock): while an
/// administrator rotates a domain's key again and again (each new key written, then the metadata
/// renamed over the old), 16 signers (more than the cores) take the keys and sign with them, the
/// keyring looking at the store on every use. Invariants: every snapshot has exactly one active key
/// once the first exists (never none, never two: the metadata is never read half-written), no
/// signer sees an older generation after a newer one, every message gets a signature, and at the
/// end the last key is the one in force.
/// </summary>
public sealed class DkimKeyringTortureTests
{
    private const int Generations = 60;
    private const int Signers = 16;

    [Fact]
    public async Task Keyring_RotatedWhileSigning_EverySnapshotWhole_NeverOlder_EveryMessageSigned()
    {
        using var temp = new TempDirectory();
        var store = DkimKeyStore.InDataFolder(temp.Path);
        store.Generate("example.test", "g0000", DkimKeyAlgorithm.Ed25519, 0, DateTimeOffset.UtcNow);
        var ring = new DkimKeyring(store, TimeSpan.Zero);
        var signer = new OutboundSigner(ring, new DkimSigningOptions(), new ArcOptions(), "example.test", "example.test");
        var message = Encoding.ASCII.GetBytes("From: a@example.test\r\nTo: b@remote.test\r\nSubject: s\r\n\r\nbody\r\n");
        var violations = new ConcurrentQueue<string>();
        var signatures = 0L;
        using var done = new CancellationTokenSource();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var signers = Enumerable.Range(0, Signers).Select(_ => Task.Run(async () =>
        {
            var last = -1;
            while (!done.IsCancellationRequested && !bound.IsCancellationRequested)
            {
                var active = ring.Current.Active("example.test");
                if (active.Count != 1)
                {
                    violations.Enqueue($"a snapshot with {active.Count} active keys");
                    continue;
                }

                var generation = int.Parse(active[0].Info.Selector.AsSpan(1), CultureInfo.InvariantCulture);
                if (generation < last)
                {
                    violations.Enqueue($"generation {generation} after {last}");
                }

                last = Math.Max(last, generation);
                using var stream = new MemoryStream(message, writable: false);
                var fields = await signer.SignAsync(stream, forwarded: false, CancellationToken.None);
                if (!Encoding.ASCII.GetString(fields).StartsWith("DKIM-Signature:", StringComparison.Ordinal))
                {
                    violations.Enqueue("a message left unsigned");
                }

                Interlocked.Increment(ref signatures);
                await Task.Yield();
            }
        })).ToArray();

        for (var g = 1; g <= Generations && !bound.IsCancellationRequested; g++)
        {
            store.Generate("example.test", $"g{g:0000}", DkimKeyAlgorithm.Ed25519, 0, DateTimeOffset.UtcNow, activate: true);
            await Task.Yield();
        }

        await done.CancelAsync();
        await Task.WhenAll(signers).WaitAsync(TimeSpan.FromMinutes(1));

        bound.IsCancellationRequested.ShouldBeFalse("the run did not finish within its bound");
        violations.ShouldBeEmpty(string.Join('\n', violations.Take(10)));
        Interlocked.Read(ref signatures).ShouldBeGreaterThan(Signers);
        ring.Refresh().Active("example.test").Single().Info.Selector.ShouldBe($"g{Generations:0000}");
    }
}
