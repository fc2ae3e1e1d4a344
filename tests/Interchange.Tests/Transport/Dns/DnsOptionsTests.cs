using Interchange.Transport;
using Interchange.Transport.Dns;
using Microsoft.Extensions.Configuration;
using Shouldly;

namespace Interchange.Tests.Transport.Dns;

/// <summary>The DNS and MX settings as the host binds them, and the server forms they take.</summary>
public sealed class DnsOptionsTests
{
    [Fact]
    public void Transport_Dns_and_Mx_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Transport:Dns:Servers:0"] = "127.0.0.53:5353",
            ["Transport:Dns:Servers:1"] = "::1",
            ["Transport:Dns:Timeout"] = "00:00:02",
            ["Transport:Dns:Retries"] = "0",
            ["Transport:Dns:UseCache"] = "false",
            ["Transport:Mx:MaxHosts"] = "3",
            ["Transport:Mx:AddressOrder"] = "IPv6Only",
        }).Build();
        var options = new TransportOptions();

        configuration.GetSection("Transport").Bind(options);

        options.Dns.Servers.ShouldBe(["127.0.0.53:5353", "::1"]);
        (options.Dns.Timeout, options.Dns.Retries, options.Dns.UseCache).ShouldBe((TimeSpan.FromSeconds(2), 0, false));
        (options.Mx.MaxHosts, options.Mx.MaxAddresses, options.Mx.AddressOrder).ShouldBe((3, 10, AddressOrder.IPv6Only));
        new DnsClientResolver(options.Dns).NameServers.Select(n => n.ToString()).ShouldBe(["127.0.0.53:5353", "[::1]:53"]);
    }

    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData("192.0.2.53:5353", "192.0.2.53:5353")]
    [InlineData(" 2001:db8::53 ", "[2001:db8::53]:53")]
    [InlineData("[2001:db8::53]:5353", "[2001:db8::53]:5353")]
    public void Servers_are_ip_or_ip_and_port(string text, string expected)
    {
        DnsClientResolver.ParseServer(text).ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData("dns.example")]
    [InlineData("192.0.2.53:99999")]
    [InlineData("")]
    public void Other_server_forms_are_refused(string text)
    {
        Should.Throw<FormatException>(() => DnsClientResolver.ParseServer(text));
    }

    [Fact]
    public void Nonsense_timeouts_and_limits_are_refused_at_construction()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new DnsClientResolver(new DnsOptions { Timeout = TimeSpan.Zero }));
        Should.Throw<ArgumentOutOfRangeException>(() => new DnsClientResolver(new DnsOptions { Retries = -1 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new MxResolver(new FakeDnsResolver(), new MxResolverOptions { MaxAddresses = 0 }));
    }
}
