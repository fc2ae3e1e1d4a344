using System.Net;
using System.Net.Sockets;
using Interchange.Tests.TestSupport;
using Interchange.Transport.Dns;

namespace Interchange.Tests.MailAuth.Spf;

/// <summary>A resolver for the time bound's tests: either every query hangs (optionally deaf to its
/// token, as a broken resolver might be), or each answer from an inner resolver costs
/// <see cref="Cost"/> on a manual clock.</summary>
internal sealed class SlowDnsResolver(IDnsResolver? inner = null, ManualTimeProvider? clock = null) : IDnsResolver
{
    private int _queries;

    public TimeSpan Cost { get; init; } = TimeSpan.FromSeconds(3);

    public bool IgnoresCancellation { get; init; }

    public int Queries => Volatile.Read(ref _queries);

    public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) =>
        Slow(c => inner!.GetMxAsync(domain, c), cancellationToken);

    public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken) =>
        Slow(c => inner!.GetAddressesAsync(host, family, c), cancellationToken);

    public Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken) =>
        Slow(c => inner!.GetTxtAsync(name, c), cancellationToken);

    public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) =>
        Slow(c => inner!.GetPtrAsync(address, c), cancellationToken);

    public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) =>
        Slow(c => inner!.GetTlsaAsync(name, c), cancellationToken);

    private async Task<DnsLookup<T>> Slow<T>(Func<CancellationToken, Task<DnsLookup<T>>> query, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queries);
        if (inner is null)
        {
            // Never answers.
            await (IgnoresCancellation ? new TaskCompletionSource().Task : Task.Delay(Timeout.Infinite, cancellationToken));
        }

        clock?.Advance(Cost);
        return await query(cancellationToken);
    }
}
