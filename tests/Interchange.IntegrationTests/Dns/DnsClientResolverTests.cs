using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Interchange.Testing.Dns;
using Interchange.Transport.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Dns;

/// <summary>The DnsClient resolver and the MX rules against a real DNS server (dnsmasq) started here.</summary>
public sealed class DnsClientResolverTests : IAsyncLifetime
{
    private static readonly byte[] TlsaDigest = Convert.FromHexString("0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6");
    private DnsTestServer _server = null!;

    public async Task InitializeAsync()
    {
        var records = new DnsTestRecords()
            .Mx("two.test", "mx1.two.test", 10).Mx("two.test", "mx2.two.test", 20)
            .Host("mx1.two.test", IPAddress.Parse("127.0.0.2"))
            .Host("mx2.two.test", IPAddress.Parse("127.0.0.3"), IPAddress.Parse("fd00::25"))
            .Host("plain.test", IPAddress.Parse("127.0.0.4"))
            .NullMx("nomail.test")
            .Txt("two.test", "v=spf1 ip4:127.0.0.0/8 -all")
            .Txt("_dmarc.two.test", "v=DMARC1; p=reject; ", "rua=mailto:d@two.test")
            .Tlsa("_25._tcp.mx1.two.test", 3, 1, 1, TlsaDigest)
            .Mx("alias.test", "www.alias.test", 10).Cname("www.alias.test", "mx1.two.test");
        _server = await DnsTestServer.StartAsync(records, IPAddress.Parse("127.0.0.53"));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static DnsClientResolver Resolver(params string[] servers) => Resolver(true, servers);

    private static DnsClientResolver Resolver(bool cache, params string[] servers)
    {
        var options = new DnsOptions { Timeout = TimeSpan.FromMilliseconds(500), Retries = 0, UseCache = cache };
        foreach (var server in servers)
        {
            options.Servers.Add(server);
        }

        return new DnsClientResolver(options);
    }

    [Fact]
    public async Task MX_records_of_two_preferences_become_targets_in_order()
    {
        var dns = Resolver(_server.Server);

        var mx = await dns.GetMxAsync("two.test", CancellationToken.None);
        mx.Outcome.ShouldBe(DnsOutcome.Found);
        mx.Records.OrderBy(r => r.Preference).ShouldBe([new DnsMxRecord("mx1.two.test", 10), new DnsMxRecord("mx2.two.test", 20)]);

        var route = await new MxResolver(dns, new MxResolverOptions()).ResolveAsync("two.test", CancellationToken.None);
        route.Succeeded.ShouldBeTrue(route.ToString());
        route.Targets.Select(t => t.Host).ShouldBe(["mx1.two.test", "mx2.two.test"]);
        route.Targets[0].Addresses.ShouldBe([IPAddress.Parse("127.0.0.2")]);
        route.Targets[1].Addresses.ShouldBe([IPAddress.Parse("127.0.0.3"), IPAddress.Parse("fd00::25")]);
    }

    [Fact]
    public async Task A_domain_with_only_an_address_is_its_own_implicit_MX()
    {
        var dns = Resolver(_server.Server);

        (await dns.GetMxAsync("plain.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.NoRecords);
        (await dns.GetAddressesAsync("plain.test", AddressFamily.InterNetworkV6, CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.NoRecords);

        var route = await new MxResolver(dns, new MxResolverOptions()).ResolveAsync("plain.test", CancellationToken.None);
        route.Targets.Single().Host.ShouldBe("plain.test");
        route.Targets.Single().Preference.ShouldBe(0);
        route.Targets.Single().Addresses.ShouldBe([IPAddress.Parse("127.0.0.4")]);
    }

    [Fact]
    public async Task A_null_MX_reads_as_the_root_and_bounces_with_5_1_10()
    {
        var dns = Resolver(_server.Server);

        var mx = await dns.GetMxAsync("nomail.test", CancellationToken.None);
        mx.Records.ShouldBe([new DnsMxRecord(".", 0)]);

        var route = await new MxResolver(dns, new MxResolverOptions()).ResolveAsync("nomail.test", CancellationToken.None);
        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeTrue();
        route.Failure.EnhancedStatus.ShouldBe("5.1.10");
    }

    [Fact]
    public async Task NXDOMAIN_is_no_such_domain_and_bounces_with_5_1_2()
    {
        var dns = Resolver(_server.Server);

        var mx = await dns.GetMxAsync("nowhere.test", CancellationToken.None);
        mx.Outcome.ShouldBe(DnsOutcome.NoSuchDomain);
        mx.Reason.ShouldNotBeNull().ShouldContain("NXDOMAIN");

        var route = await new MxResolver(dns, new MxResolverOptions()).ResolveAsync("nowhere.test", CancellationToken.None);
        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeTrue();
        route.Failure.EnhancedStatus.ShouldBe("5.1.2");
    }

    [Fact]
    public async Task TXT_records_join_their_strings()
    {
        var dns = Resolver(_server.Server);

        (await dns.GetTxtAsync("two.test", CancellationToken.None)).Records.ShouldBe(["v=spf1 ip4:127.0.0.0/8 -all"]);
        (await dns.GetTxtAsync("_dmarc.two.test", CancellationToken.None)).Records.ShouldBe(["v=DMARC1; p=reject; rua=mailto:d@two.test"]);
        (await dns.GetTxtAsync("plain.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.NoRecords);
    }

    [Fact]
    public async Task TLSA_records_come_back_field_by_field()
    {
        var dns = Resolver(_server.Server);

        var tlsa = (await dns.GetTlsaAsync("_25._tcp.mx1.two.test", CancellationToken.None)).Records.Single();

        (tlsa.CertificateUsage, tlsa.Selector, tlsa.MatchingType).ShouldBe(((byte)3, (byte)1, (byte)1));
        tlsa.Data.ToArray().ShouldBe(TlsaDigest);
    }

    [Fact]
    public async Task An_MX_host_that_is_a_CNAME_is_followed_to_its_address()
    {
        var route = await new MxResolver(Resolver(_server.Server), new MxResolverOptions()).ResolveAsync("alias.test", CancellationToken.None);

        route.Targets.Single().Host.ShouldBe("www.alias.test");
        route.Targets.Single().Addresses.ShouldBe([IPAddress.Parse("127.0.0.2")]);
    }

    [Fact]
    public async Task A_second_lookup_is_answered_from_the_cache_even_with_the_server_gone()
    {
        var dns = Resolver(_server.Server);
        var uncached = Resolver(false, _server.Server);

        (await dns.GetMxAsync("two.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.Found);
        (await dns.GetMxAsync("two.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.Found);
        (await uncached.GetMxAsync("two.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.Found);
        (await uncached.GetMxAsync("two.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.Found);

        // dnsmasq logs queries in the order they come: once a later query shows, the MX ones all have.
        (await uncached.GetTxtAsync("plain.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.NoRecords);
        await WaitForAsync(() => _server.QueryCount("plain.test", "TXT") == 1, "dnsmasq to log the TXT query");

        // Three of the four reached the server: the cached client's first and the uncached client's two.
        _server.QueryCount("two.test", "MX").ShouldBe(3, string.Join(Environment.NewLine, _server.Log));

        await _server.DisposeAsync();
        (await dns.GetMxAsync("two.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.Found);
        (await uncached.GetMxAsync("two.test", CancellationToken.None)).Outcome.ShouldBe(DnsOutcome.TemporaryFailure);
    }

    [Fact]
    public async Task A_server_that_refuses_or_does_not_answer_is_a_temporary_failure_within_the_timeout()
    {
        var dns = Resolver(_server.Server);
        var refused = await dns.GetMxAsync("example.com", CancellationToken.None);
        refused.Outcome.ShouldBe(DnsOutcome.TemporaryFailure);
        refused.Reason.ShouldNotBeNull().ShouldContain("Refused");

        // A UDP socket that reads nothing: queries time out.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var clock = Stopwatch.StartNew();
        var timedOut = await Resolver(silent.LocalEndPoint!.ToString()!).GetMxAsync("two.test", CancellationToken.None);
        clock.Stop();
        timedOut.Outcome.ShouldBe(DnsOutcome.TemporaryFailure);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "one try of 500 ms (plus TCP fallback) must not take seconds");
    }

    [Fact]
    public async Task Servers_are_asked_in_turn_when_one_does_not_answer()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        var mx = await Resolver(silent.LocalEndPoint!.ToString()!, _server.Server).GetMxAsync("two.test", CancellationToken.None);

        mx.Outcome.ShouldBe(DnsOutcome.Found);
    }

    [Fact]
    public async Task Disposing_the_server_leaves_no_process_behind()
    {
        var pids = DnsmasqProcesses();
        pids.ShouldNotBeEmpty("the fixture's dnsmasq runs");

        await _server.DisposeAsync();

        await WaitForAsync(() => DnsmasqProcesses().Intersect(pids).Any() == false, "dnsmasq to exit");
    }

    private List<int> DnsmasqProcesses()
    {
        var port = $"--port={_server.EndPoint.Port}";
        var found = new List<int>();
        foreach (var folder in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid))
            {
                try
                {
                    var command = File.ReadAllText(Path.Combine(folder, "cmdline")).Split('\0');
                    if (command[0].EndsWith("dnsmasq", StringComparison.Ordinal) && command.Contains(port))
                    {
                        found.Add(pid);
                    }
                }
                catch (IOException)
                {
                    // The process ended while we looked.
                }
            }
        }

        return found;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(10);
        }
    }
}
