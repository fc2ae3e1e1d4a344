using System.Net;
using System.Net.Sockets;
using Interchange.MailAuth.Dkim;
using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.MailAuth;

public sealed class DkimKeyCacheTests
{
    /// <summary>Answers TXT lookups only when the test opens the gate; counts them (thread-safe).</summary>
    private sealed class GatedDns : IDnsResolver
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _queries;

        public int Queries => Volatile.Read(ref _queries);

        public void Open() => _gate.SetResult();

        public async Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _queries);
            await _gate.Task;
            return DnsLookup<string>.Found([TestKeys.Ed25519Record]);
        }

        public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Many_concurrent_messages_signed_with_one_key_cause_one_lookup()
    {
        var dns = new GatedDns();
        var cache = new DkimKeyCache(dns, new DkimOptions());

        // More flows than cores, started together, all waiting on the one lookup (ARCHITECTURE rule 3).
        var lookups = Enumerable.Range(0, 64).Select(_ => Task.Run(() => cache.GetAsync("Example.com", "sel", CancellationToken.None))).ToList();
        await Task.Delay(50);
        dns.Open();
        var keys = await Task.WhenAll(lookups).WaitAsync(TimeSpan.FromSeconds(30));

        dns.Queries.ShouldBe(1);
        keys.ShouldAllBe(k => k.Key != null);
        keys.Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_does_not_cancel_the_lookup_for_the_others()
    {
        var dns = new GatedDns();
        var cache = new DkimKeyCache(dns, new DkimOptions());
        using var impatient = new CancellationTokenSource();

        var first = cache.GetAsync("example.com", "sel", impatient.Token);
        var second = cache.GetAsync("example.com", "sel", CancellationToken.None);
        await impatient.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => first);
        dns.Open();

        (await second.WaitAsync(TimeSpan.FromSeconds(30))).Key.ShouldNotBeNull();
        dns.Queries.ShouldBe(1);
    }
}
