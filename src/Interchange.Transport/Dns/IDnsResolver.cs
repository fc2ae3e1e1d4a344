using System.Net;
using System.Net.Sockets;

namespace Interchange.Transport.Dns;

/// <summary>The DNS lookups mail transport needs. Implementations never throw for DNS trouble: they
/// say it in the <see cref="DnsLookup{T}"/> outcome, so a caller can tell "does not exist" (bounce)
/// from "could not tell" (defer). Only cancellation by the caller's token throws.</summary>
public interface IDnsResolver
{
    /// <summary>MX records of <paramref name="domain"/>; a CNAME on the domain is followed by the resolver
    /// (RFC 5321 5.1: the resulting name is processed as the initial name).</summary>
    Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken);

    /// <summary>A (<see cref="AddressFamily.InterNetwork"/>) or AAAA (<see cref="AddressFamily.InterNetworkV6"/>) records.</summary>
    Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken);

    /// <summary>TXT records, each one string: a record's character-strings joined without separator
    /// (as RFC 7208 3.3 reads SPF and RFC 6376 3.6.2.2 reads DKIM keys).</summary>
    Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken);

    /// <summary>PTR records of <paramref name="address"/> (its in-addr.arpa or ip6.arpa name), the host
    /// names without the trailing dot: SPF's <c>ptr</c> mechanism and <c>%{p}</c> macro (RFC 7208 5.5, 7.3).</summary>
    Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken);

    /// <summary>TLSA records (RFC 6698), e.g. of <c>_25._tcp.mx.example.org</c>.</summary>
    Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken);
}
