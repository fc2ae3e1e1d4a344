using System.Net;
using System.Net.Sockets;
using Interchange.Transport.Dns;

namespace Interchange.Tests.MailAuth;

/// <summary>A resolver whose TXT lookups never answer and ignore cancellation (the worst a resolver can do);
/// counts them.</summary>
internal sealed class SlowDnsResolver : IDnsResolver
{
    private readonly TaskCompletionSource<DnsLookup<string>> _never = new();
    private int _queries;

    public int Queries => Volatile.Read(ref _queries);

    public Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queries);
        return _never.Task;
    }

    public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
}
