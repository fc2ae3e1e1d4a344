using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Interchange.MailAuth.Dkim;
using Interchange.Transport.Dns;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// ARCHITECTURE.md rule 3 (seed Q193215) for the DKIM key cache: 32 flows look up 16 keys while the clock
/// keeps jumping past the cache's TTL, so entries expire and are removed while other flows add fresh ones.
/// Invariants: every flow gets a usable key, never an exception; each key is looked up at most once per
/// expiry (a stale remove never erases a fresh entry and so never causes a second lookup); the cache
/// stays near its bound.
/// </summary>
public sealed class DkimKeyCacheTortureTests(ITestOutputHelper output)
{
    private const int Keys = 16;
    private const int Flows = 32;
    private const int Expiries = 200;

    [Fact]
    public async Task DkimKeyCache_Q193215_ExpiryRacingLookupsNeverLosesAnEntryOrLooksUpTwice()
    {
        var clock = new JumpingClock();
        var dns = new YieldingKeyDns();
        var options = new DkimOptions { KeyCacheTtl = TimeSpan.FromMinutes(1), KeyCacheMaxEntries = Keys };
        var cache = new DkimKeyCache(dns, options, clock);
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = 0;
        long lookups = 0;

        var flows = Enumerable.Range(0, Flows).Select(f => Task.Run(async () =>
        {
            var random = new Random(f);
            while (Volatile.Read(ref done) == 0 && !stop.IsCancellationRequested)
            {
                var key = await cache.GetAsync("example.test", $"s{random.Next(Keys)}", stop.Token);
                if (key.Key is null)
                {
                    failures.Enqueue(key.Reason ?? "no key");
                }

                Interlocked.Increment(ref lookups);
                if (random.Next(4) == 0)
                {
                    await Task.Yield();
                }
            }
        })).ToList();

        for (var i = 0; i < Expiries && !stop.IsCancellationRequested; i++)
        {
            await Task.Delay(2);
            clock.Advance(TimeSpan.FromMinutes(2));
        }

        Volatile.Write(ref done, 1);
        await Task.WhenAll(flows).WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{lookups} cache gets, {dns.Total} DNS lookups, {Expiries} expiries, {cache.Count} entries at the end");

        failures.ShouldBeEmpty();
        stop.IsCancellationRequested.ShouldBeFalse("the torture did not finish in its bound");
        dns.PerName.Values.ShouldAllBe(n => n <= Expiries + 1);
        cache.Count.ShouldBeLessThanOrEqualTo(Keys);
    }

    private sealed class JumpingClock : TimeProvider
    {
        private long _ticks = DateTimeOffset.UnixEpoch.AddYears(56).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>Answers every key name with one Ed25519 key after a yield, counting lookups per name.</summary>
    private sealed class YieldingKeyDns : IDnsResolver
    {
        private const string Record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        private int _total;

        public ConcurrentDictionary<string, int> PerName { get; } = new();

        public int Total => Volatile.Read(ref _total);

        public async Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _total);
            PerName.AddOrUpdate(name, 1, (_, n) => n + 1);
            await Task.Yield();
            return DnsLookup<string>.Found([Record]);
        }

        public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
