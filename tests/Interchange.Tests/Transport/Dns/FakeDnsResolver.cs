using System.Net;
using System.Net.Sockets;
using Interchange.Transport.Dns;

namespace Interchange.Tests.Transport.Dns;

/// <summary>An <see cref="IDnsResolver"/> answering from tables the test fills. A name with no entry for
/// a type is NXDOMAIN unless the name has entries of another type (then NODATA), as a real zone would.
/// Records every query so a test can see what was asked.</summary>
internal sealed class FakeDnsResolver : IDnsResolver
{
    private readonly Dictionary<(string Name, string Type), object> _answers = [];
    private readonly List<string> _queries = [];

    public IReadOnlyList<string> Queries => _queries;

    public FakeDnsResolver Mx(string domain, params (int Preference, string Host)[] records)
    {
        _answers[(domain, "MX")] = DnsLookup<DnsMxRecord>.Found(records.Select(r => new DnsMxRecord(r.Host, r.Preference)).ToList());
        return this;
    }

    public FakeDnsResolver Host(string name, params string[] addresses)
    {
        var parsed = addresses.Select(IPAddress.Parse).ToList();
        var v4 = parsed.Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToList();
        var v6 = parsed.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6).ToList();
        _answers[(name, "A")] = v4.Count > 0 ? DnsLookup<IPAddress>.Found(v4) : DnsLookup<IPAddress>.NoRecords($"{name}: no A");
        _answers[(name, "AAAA")] = v6.Count > 0 ? DnsLookup<IPAddress>.Found(v6) : DnsLookup<IPAddress>.NoRecords($"{name}: no AAAA");
        return this;
    }

    /// <summary>Sets the outcome of one lookup outright (a SERVFAIL, say).</summary>
    public FakeDnsResolver Answer<T>(string name, string type, DnsLookup<T> lookup)
    {
        _answers[(name, type)] = lookup;
        return this;
    }

    public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) => Lookup<DnsMxRecord>(domain, "MX");

    public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken) =>
        Lookup<IPAddress>(host, family == AddressFamily.InterNetwork ? "A" : "AAAA");

    public Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken) => Lookup<string>(name, "TXT");

    public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) => Lookup<DnsTlsaRecord>(name, "TLSA");

    /// <summary>PTR answers are set with <see cref="Answer{T}"/> under the address's arpa name and type "PTR".</summary>
    public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) => Lookup<string>(address.GetArpaName(), "PTR");

    private Task<DnsLookup<T>> Lookup<T>(string name, string type)
    {
        _queries.Add($"{type} {name}");
        if (_answers.TryGetValue((name, type), out var answer))
        {
            return Task.FromResult((DnsLookup<T>)answer);
        }

        return Task.FromResult(_answers.Keys.Any(k => k.Name == name)
            ? DnsLookup<T>.NoRecords($"{name}: no {type} records")
            : DnsLookup<T>.NoSuchDomain($"{name}: no such domain (NXDOMAIN)"));
    }
}
