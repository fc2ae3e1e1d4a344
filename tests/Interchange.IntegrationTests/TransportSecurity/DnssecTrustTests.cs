using System.Net;
using Interchange.Transport.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// Which answers count as DNSSEC-authenticated (<c>Transport:Dns:DnssecResolver</c>): unbound on
/// 127.0.0.165 validates a zone signed by ldns-signzone and serves an unsigned one. Only the trusted
/// resolver's AD bit is believed: the same unbound asked as an ordinary server, behind a trusted one
/// that does not answer, gives no authenticated answer.
/// </summary>
public sealed class DnssecTrustTests : IDisposable
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.165");
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private Task<ValidatingResolver> StartAsync() => ValidatingResolver.StartAsync(Path.Combine(_scratch.Path, "unbound"), Address,
        ("signed.test", "$ORIGIN signed.test.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.165\n@ IN MX 10 mx\nmx IN A 192.0.2.1\n", true),
        ("unsigned.test", "$ORIGIN unsigned.test.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.165\n@ IN MX 10 mx\nmx IN A 192.0.2.2\n", false));

    [Fact]
    public async Task TheTrustedResolver_AuthenticatesTheSignedZone_NotTheUnsignedOne()
    {
        await using var unbound = await StartAsync();
        var resolver = new DnsClientResolver(new DnsOptions { UseCache = false, DnssecResolver = unbound.Server });

        var signed = await resolver.GetMxAsync("signed.test", CancellationToken.None);
        signed.IsFound.ShouldBeTrue(signed.ToString());
        signed.Authenticated.ShouldBeTrue(unbound.Describe());
        (await resolver.GetAddressesAsync("mx.signed.test", System.Net.Sockets.AddressFamily.InterNetwork, CancellationToken.None)).Authenticated.ShouldBeTrue();

        var unsigned = await resolver.GetMxAsync("unsigned.test", CancellationToken.None);
        unsigned.IsFound.ShouldBeTrue(unsigned.ToString());
        unsigned.Authenticated.ShouldBeFalse();
    }

    [Fact]
    public async Task WithoutATrustedResolver_NothingIsAuthenticated()
    {
        await using var unbound = await StartAsync();
        var plain = new DnsClientResolver(new DnsOptions { UseCache = false, Servers = { unbound.Server } });
        (await plain.GetMxAsync("signed.test", CancellationToken.None)).Authenticated.ShouldBeFalse();

        // The trusted resolver is elsewhere (nothing listens there): the validating unbound answers as
        // the fallback, with AD set (the DO bit is asked), and still its answer is not believed.
        var elsewhere = new DnsClientResolver(new DnsOptions { UseCache = false, Retries = 0, Timeout = TimeSpan.FromSeconds(1), DnssecResolver = "127.0.0.166:53", Servers = { unbound.Server } });
        var answer = await elsewhere.GetMxAsync("signed.test", CancellationToken.None);
        answer.IsFound.ShouldBeTrue(answer.ToString());
        answer.Authenticated.ShouldBeFalse();
    }
}
