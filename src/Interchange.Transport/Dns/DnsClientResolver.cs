using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Interchange.Transport.Dns;

/// <summary><see cref="IDnsResolver"/> over DnsClient's <see cref="LookupClient"/>. Thread-safe; keep one
/// instance (a singleton), because the TTL cache lives in it.</summary>
public sealed class DnsClientResolver : IDnsResolver
{
    private readonly LookupClient _client;
    private readonly IPEndPoint? _trusted;

    public DnsClientResolver(DnsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Transport:Dns:Timeout must be positive");
        }

        if (options.Retries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Transport:Dns:Retries must not be negative");
        }

        var servers = options.Servers.Select(ParseServer).ToList();
        if (!string.IsNullOrWhiteSpace(options.DnssecResolver))
        {
            // The validating resolver is asked first; the others stay as fallbacks whose AD bit means nothing.
            _trusted = ParseServer(options.DnssecResolver);
            servers.Remove(_trusted);
            servers.Insert(0, _trusted);
        }

        var lookup = servers.Count > 0 ? new LookupClientOptions([.. servers]) : new LookupClientOptions();
        lookup.UseCache = options.UseCache;
        lookup.MaximumCacheTimeout = options.MaximumCacheTtl;
        lookup.CacheFailedResults = false;
        lookup.Timeout = options.Timeout;
        lookup.Retries = options.Retries;

        // Errors come back as response codes, not exceptions: NXDOMAIN must read differently from SERVFAIL.
        lookup.ThrowDnsErrors = false;

        // SERVFAIL or REFUSED from one server: ask the next. NODATA is an answer: stop there.
        lookup.ContinueOnDnsError = true;
        lookup.ContinueOnEmptyResponse = false;
        lookup.UseTcpFallback = true;

        // The DO bit asks the validating resolver to say whether it validated (the AD bit).
        lookup.RequestDnsSecRecords = _trusted is not null;
        _client = new LookupClient(lookup);
    }

    /// <summary>The servers asked, for logs.</summary>
    public IReadOnlyCollection<NameServer> NameServers => _client.NameServers;

    /// <summary>"ip", "ip:port" or "[ipv6]:port"; port 53 when absent.</summary>
    public static IPEndPoint ParseServer(string server)
    {
        ArgumentNullException.ThrowIfNull(server);
        // "ip" parses with port 0; a bare IPv6 address is all address (its colons are not a port).
        if (IPEndPoint.TryParse(server.Trim(), out var endPoint))
        {
            return endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint;
        }

        throw new FormatException($"Transport:Dns:Servers: '{server}' is not \"ip\" or \"ip:port\"");
    }

    public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) =>
        QueryAsync(domain, QueryType.MX, answers => answers.MxRecords().Select(r => new DnsMxRecord(Name(r.Exchange.Value), r.Preference)), cancellationToken);

    public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken) => family switch
    {
        AddressFamily.InterNetwork => QueryAsync(host, QueryType.A, answers => answers.ARecords().Select(r => r.Address), cancellationToken),
        AddressFamily.InterNetworkV6 => QueryAsync(host, QueryType.AAAA, answers => answers.AaaaRecords().Select(r => r.Address), cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "A (InterNetwork) or AAAA (InterNetworkV6)"),
    };

    public Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken) =>
        QueryAsync(name, QueryType.TXT, answers => answers.TxtRecords().Select(r => string.Concat(r.Text)), cancellationToken);

    public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        return QueryAsync(address.GetArpaName(), QueryType.PTR, answers => answers.PtrRecords().Select(r => Name(r.PtrDomainName.Value)), cancellationToken);
    }

    public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) =>
        QueryAsync(
            name,
            QueryType.TLSA,
            answers => answers.TlsaRecords().Select(r => new DnsTlsaRecord((byte)r.CertificateUsage, (byte)r.Selector, (byte)r.MatchingType, r.CertificateAssociationData.ToArray())),
            cancellationToken);

    private bool IsTrusted(NameServer? server) =>
        _trusted is not null && server is not null && server.Port == _trusted.Port
        && IPAddress.TryParse(server.Address, out var address) && address.Equals(_trusted.Address);

    private static string Name(string value) => value.Length > 1 && value.EndsWith('.') ? value[..^1] : value;

    private async Task<DnsLookup<T>> QueryAsync<T>(string name, QueryType type, Func<IReadOnlyList<DnsResourceRecord>, IEnumerable<T>> select, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ArgumentException e)
        {
            // Not a valid domain name (a label over 63 octets, say): no such name can exist.
            return DnsLookup<T>.NoSuchDomain($"{name}: not a valid domain name ({e.Message})");
        }
        catch (Exception e) when (e is DnsResponseException or TimeoutException or SocketException or OperationCanceledException or IOException)
        {
            return DnsLookup<T>.TemporaryFailure($"{type} lookup of {name} failed: {e.Message}");
        }

        var authenticated = response.Header.IsAuthenticData && IsTrusted(response.NameServer);
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                break;
            case DnsHeaderResponseCode.NotExistentDomain:
                return DnsLookup<T>.NoSuchDomain($"{name}: no such domain (NXDOMAIN)");
            default:
                // SERVFAIL, REFUSED, FORMERR...: the resolver could not or would not answer; someone may later.
                return DnsLookup<T>.TemporaryFailure(
                    string.Create(CultureInfo.InvariantCulture, $"{type} lookup of {name} failed: {response.Header.ResponseCode} from {response.NameServer}"));
        }

        var records = select(response.Answers).ToList();
        return records.Count > 0
            ? DnsLookup<T>.Found(records, authenticated)
            : DnsLookup<T>.NoRecords($"{name}: no {type} records", authenticated);
    }
}
