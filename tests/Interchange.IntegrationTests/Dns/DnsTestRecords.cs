using System.Globalization;
using System.Net;

namespace Interchange.Testing.Dns;

/// <summary>The records a <see cref="DnsTestServer"/> serves, built by a test. Names under the zones
/// given are answered from these records only: anything else in them is NXDOMAIN (or NODATA for a
/// name with records of other types); names outside every zone get REFUSED.</summary>
public sealed class DnsTestRecords
{
    private readonly List<string> _arguments = [];
    private readonly HashSet<string> _zones = new(StringComparer.OrdinalIgnoreCase) { "test" };

    /// <summary>Time to live of every record, in seconds (dnsmasq's --local-ttl).</summary>
    public int Ttl { get; set; } = 300;

    public IReadOnlyCollection<string> Zones => _zones;

    internal IReadOnlyList<string> Arguments => _arguments;

    /// <summary>Answers for names under <paramref name="zone"/> come from here ("test" is one already).</summary>
    public DnsTestRecords Zone(string zone)
    {
        _zones.Add(zone.Trim('.'));
        return this;
    }

    public DnsTestRecords Mx(string domain, string host, int preference)
    {
        _arguments.Add(string.Create(CultureInfo.InvariantCulture, $"--mx-host={domain},{host},{preference}"));
        return this;
    }

    /// <summary>A null MX (RFC 7505): the single MX ".", preference 0.</summary>
    public DnsTestRecords NullMx(string domain) => Mx(domain, ".", 0);

    /// <summary>A and AAAA records of <paramref name="name"/> (the address families decide which).</summary>
    public DnsTestRecords Host(string name, params IPAddress[] addresses)
    {
        _arguments.Add($"--host-record={name},{string.Join(',', addresses.Select(a => a.ToString()))}");
        return this;
    }

    /// <summary>A TXT record; several strings make one record of several character-strings.</summary>
    public DnsTestRecords Txt(string name, params string[] strings)
    {
        if (strings.Any(s => s.Contains(',', StringComparison.Ordinal)))
        {
            // dnsmasq splits its --txt-record argument at commas into character-strings.
            throw new ArgumentException("dnsmasq cannot serve a comma inside one TXT string", nameof(strings));
        }

        _arguments.Add($"--txt-record={name},{string.Join(',', strings)}");
        return this;
    }

    public DnsTestRecords Cname(string alias, string target)
    {
        _arguments.Add($"--cname={alias},{target}");
        return this;
    }

    /// <summary>A PTR record, e.g. of "4.2.0.192.in-addr.arpa" (add the zone "arpa" or a part of it).</summary>
    public DnsTestRecords Ptr(string name, string target)
    {
        _arguments.Add($"--ptr-record={name},{target}");
        return this;
    }

    /// <summary>Queries for <paramref name="domain"/> and below that have no record here are forwarded to
    /// <paramref name="upstream"/>; an upstream that never answers makes them time out, as a broken name server does.</summary>
    public DnsTestRecords Forward(string domain, IPEndPoint upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        _arguments.Add(string.Create(CultureInfo.InvariantCulture, $"--server=/{domain.Trim('.')}/{upstream.Address}#{upstream.Port}"));
        return this;
    }

    /// <summary>A TLSA record (RFC 6698), e.g. of "_25._tcp.mx.example.test", served as raw RR type 52.</summary>
    public DnsTestRecords Tlsa(string name, byte usage, byte selector, byte matchingType, ReadOnlySpan<byte> data)
    {
        var rdata = new byte[3 + data.Length];
        rdata[0] = usage;
        rdata[1] = selector;
        rdata[2] = matchingType;
        data.CopyTo(rdata.AsSpan(3));
        return Raw(name, 52, rdata);
    }

    /// <summary>Any record type as raw RDATA (dnsmasq's --dns-rr).</summary>
    public DnsTestRecords Raw(string name, int type, ReadOnlySpan<byte> rdata)
    {
        _arguments.Add(string.Create(CultureInfo.InvariantCulture, $"--dns-rr={name},{type},{Convert.ToHexString(rdata)}"));
        return this;
    }
}
