using System.Net;
using Interchange.Transport.Dns;
using Interchange.Transport.Routing;
using Shouldly;

namespace Interchange.Tests.Transport.Dns;

/// <summary>Every rule of <see cref="MxResolver"/> (RFC 5321 5.1, RFC 7505) against a fake resolver.</summary>
public sealed class MxResolverTests
{
    private readonly FakeDnsResolver _dns = new();

    private static MxResolver Resolver(FakeDnsResolver dns, MxResolverOptions? options = null, int seed = 1) =>
        new(dns, options ?? new MxResolverOptions(), new Random(seed));

    private static string[] Hosts(DeliveryRoute route) => route.Targets.Select(t => t.Host).ToArray();

    [Fact]
    public async Task Hosts_are_in_preference_order_with_their_addresses_and_port_25()
    {
        _dns.Mx("example.test", (20, "b.example.test"), (10, "a.example.test"), (30, "c.example.test"))
            .Host("a.example.test", "127.0.0.2").Host("b.example.test", "127.0.0.3").Host("c.example.test", "127.0.0.4");

        var route = await Resolver(_dns).ResolveAsync("example.test", CancellationToken.None);

        route.Succeeded.ShouldBeTrue(route.ToString());
        Hosts(route).ShouldBe(["a.example.test", "b.example.test", "c.example.test"]);
        route.Targets.Select(t => t.Preference).ShouldBe([10, 20, 30]);
        route.Targets[1].Addresses.ShouldBe([IPAddress.Parse("127.0.0.3")]);
        route.Targets.ShouldAllBe(t => t.Port == 25);
    }

    [Fact]
    public async Task Equal_preferences_are_shuffled_by_the_random_given_and_stay_behind_better_ones()
    {
        string[] equals = ["m1.test", "m2.test", "m3.test", "m4.test"];
        _dns.Mx("spread.test", [(5, "first.test"), .. equals.Select(h => (10, h)), (20, "last.test")]);
        foreach (var host in equals.Append("first.test").Append("last.test"))
        {
            _dns.Host(host, "127.0.0.2");
        }

        var firsts = equals.ToDictionary(h => h, _ => 0);
        var shared = new MxResolver(_dns, new MxResolverOptions { MaxHosts = 6 }, new Random(42));
        for (var i = 0; i < 400; i++)
        {
            var hosts = Hosts(await shared.ResolveAsync("spread.test", CancellationToken.None));
            hosts[0].ShouldBe("first.test");
            hosts[^1].ShouldBe("last.test");
            hosts[1..5].Order().ShouldBe(equals);
            firsts[hosts[1]]++;
        }

        // Each of the four comes first about a quarter of the time (100 of 400; binomial sd ~ 8.7).
        firsts.Values.ShouldAllBe(n => n > 60 && n < 140, string.Join(", ", firsts));

        // The same seed gives the same order: a test can pin it.
        var one = Hosts(await Resolver(_dns, new() { MaxHosts = 6 }, seed: 7).ResolveAsync("spread.test", CancellationToken.None));
        var two = Hosts(await Resolver(_dns, new() { MaxHosts = 6 }, seed: 7).ResolveAsync("spread.test", CancellationToken.None));
        one.ShouldBe(two);
    }

    [Fact]
    public async Task No_MX_records_make_the_domain_its_own_implicit_MX_of_preference_0()
    {
        _dns.Host("plain.test", "127.0.0.5", "::1");

        var route = await Resolver(_dns).ResolveAsync("plain.test", CancellationToken.None);

        route.Succeeded.ShouldBeTrue(route.ToString());
        route.Targets.Count.ShouldBe(1);
        route.Targets[0].Host.ShouldBe("plain.test");
        route.Targets[0].Preference.ShouldBe(0);
        route.Targets[0].Addresses.ShouldBe([IPAddress.Parse("127.0.0.5"), IPAddress.IPv6Loopback]);
        route.Notes.ShouldContain(n => n.Contains("implicit MX"));
    }

    [Fact]
    public async Task No_MX_and_no_address_is_a_permanent_5_1_2()
    {
        _dns.Answer("empty.test", "TXT", DnsLookup<string>.Found(["v=spf1 -all"]));

        var route = await Resolver(_dns).ResolveAsync("empty.test", CancellationToken.None);

        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeTrue();
        route.Failure.EnhancedStatus.ShouldBe("5.1.2");
    }

    [Fact]
    public async Task A_null_MX_is_a_permanent_5_1_10_without_looking_up_addresses()
    {
        _dns.Mx("nomail.test", (0, ".")).Host("nomail.test", "127.0.0.6");

        var route = await Resolver(_dns).ResolveAsync("nomail.test", CancellationToken.None);

        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeTrue();
        route.Failure.EnhancedStatus.ShouldBe("5.1.10");
        route.Failure.Reason.ShouldContain("null MX");
        _dns.Queries.ShouldBe(["MX nomail.test"]);
    }

    [Fact]
    public async Task A_null_MX_among_real_hosts_is_skipped()
    {
        _dns.Mx("mixed.test", (0, "."), (10, "mx.mixed.test")).Host("mx.mixed.test", "127.0.0.2");

        var route = await Resolver(_dns).ResolveAsync("mixed.test", CancellationToken.None);

        Hosts(route).ShouldBe(["mx.mixed.test"]);
        route.Notes.ShouldContain(n => n.Contains("null MX among other MX"));
    }

    [Fact]
    public async Task A_domain_that_does_not_exist_is_a_permanent_5_1_2()
    {
        var route = await Resolver(_dns).ResolveAsync("nowhere.test", CancellationToken.None);

        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeTrue();
        route.Failure.EnhancedStatus.ShouldBe("5.1.2");
        route.Failure.Reason.ShouldContain("does not exist");
    }

    [Fact]
    public async Task A_failed_MX_lookup_is_a_temporary_4_4_3()
    {
        _dns.Answer("flaky.test", "MX", DnsLookup<DnsMxRecord>.TemporaryFailure("MX lookup of flaky.test failed: ServerFailure"));

        var route = await Resolver(_dns).ResolveAsync("flaky.test", CancellationToken.None);

        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeFalse();
        route.Failure.EnhancedStatus.ShouldBe("4.4.3");
        route.Failure.Reason.ShouldContain("ServerFailure");
    }

    [Fact]
    public async Task Implicit_MX_whose_address_lookup_fails_for_now_is_temporary()
    {
        _dns.Answer("slow.test", "MX", DnsLookup<DnsMxRecord>.NoRecords("slow.test: no MX"))
            .Answer("slow.test", "A", DnsLookup<IPAddress>.TemporaryFailure("timeout"))
            .Answer("slow.test", "AAAA", DnsLookup<IPAddress>.NoRecords("no AAAA"));

        var route = await Resolver(_dns).ResolveAsync("slow.test", CancellationToken.None);

        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeFalse();
        route.Failure.EnhancedStatus.ShouldBe("4.4.3");
    }

    [Fact]
    public async Task Hosts_without_addresses_are_skipped_while_others_remain()
    {
        _dns.Mx("partly.test", (10, "gone.partly.test"), (20, "busy.partly.test"), (30, "ok.partly.test"))
            .Answer("busy.partly.test", "A", DnsLookup<IPAddress>.TemporaryFailure("timeout"))
            .Answer("busy.partly.test", "AAAA", DnsLookup<IPAddress>.TemporaryFailure("timeout"))
            .Host("ok.partly.test", "127.0.0.7");

        var route = await Resolver(_dns).ResolveAsync("partly.test", CancellationToken.None);

        route.Succeeded.ShouldBeTrue(route.ToString());
        Hosts(route).ShouldBe(["ok.partly.test"]);
        route.Notes.ShouldContain(n => n.Contains("gone.partly.test skipped"));
        route.Notes.ShouldContain(n => n.Contains("busy.partly.test skipped: no address for now"));
    }

    [Fact]
    public async Task No_host_with_an_address_is_temporary_if_any_lookup_failed_for_now_else_permanent_5_4_4()
    {
        _dns.Mx("dead.test", (10, "a.dead.test"), (20, "b.dead.test"));
        var permanent = await Resolver(_dns).ResolveAsync("dead.test", CancellationToken.None);
        permanent.Failure.ShouldNotBeNull();
        permanent.Failure.IsPermanent.ShouldBeTrue();
        permanent.Failure.EnhancedStatus.ShouldBe("5.4.4");

        _dns.Answer("b.dead.test", "A", DnsLookup<IPAddress>.TemporaryFailure("timeout"));
        var temporary = await Resolver(_dns).ResolveAsync("dead.test", CancellationToken.None);
        temporary.Failure.ShouldNotBeNull();
        temporary.Failure.IsPermanent.ShouldBeFalse();
        temporary.Failure.EnhancedStatus.ShouldBe("4.4.3");
    }

    [Fact]
    public async Task At_most_MaxHosts_hosts_are_used()
    {
        var records = Enumerable.Range(1, 7).Select(i => (i * 10, $"mx{i}.many.test")).ToArray();
        _dns.Mx("many.test", records);
        foreach (var (_, host) in records)
        {
            _dns.Host(host, "127.0.0.2");
        }

        var route = await Resolver(_dns).ResolveAsync("many.test", CancellationToken.None);

        Hosts(route).ShouldBe(["mx1.many.test", "mx2.many.test", "mx3.many.test", "mx4.many.test", "mx5.many.test"]);
        _dns.Queries.ShouldNotContain("A mx6.many.test");
        route.Notes.ShouldContain(n => n.Contains("2 MX hosts"));
    }

    [Fact]
    public async Task At_most_MaxAddresses_addresses_in_all_and_no_lookups_past_them()
    {
        _dns.Mx("wide.test", (10, "a.wide.test"), (20, "b.wide.test"), (30, "c.wide.test"), (40, "d.wide.test"))
            .Host("a.wide.test", "127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4")
            .Host("b.wide.test", "127.0.2.1", "127.0.2.2", "127.0.2.3", "127.0.2.4")
            .Host("c.wide.test", "127.0.3.1", "127.0.3.2", "127.0.3.3", "127.0.3.4")
            .Host("d.wide.test", "127.0.4.1");

        var route = await Resolver(_dns).ResolveAsync("wide.test", CancellationToken.None);

        route.Targets.Select(t => t.Addresses.Count).ShouldBe([4, 4, 2]);
        route.Targets.Sum(t => t.Addresses.Count).ShouldBe(10);
        _dns.Queries.ShouldNotContain("A d.wide.test");
    }

    [Theory]
    [InlineData(AddressOrder.IPv4First, "127.0.0.2,::1", "A h.test,AAAA h.test")]
    [InlineData(AddressOrder.IPv6First, "::1,127.0.0.2", "AAAA h.test,A h.test")]
    [InlineData(AddressOrder.IPv4Only, "127.0.0.2", "A h.test")]
    [InlineData(AddressOrder.IPv6Only, "::1", "AAAA h.test")]
    public async Task Address_families_follow_the_configured_order(AddressOrder order, string expected, string queries)
    {
        _dns.Mx("order.test", (10, "h.test")).Host("h.test", "127.0.0.2", "::1");

        var route = await Resolver(_dns, new MxResolverOptions { AddressOrder = order }).ResolveAsync("order.test", CancellationToken.None);

        string.Join(',', route.Targets[0].Addresses).ShouldBe(expected);
        _dns.Queries.Skip(1).ShouldBe(queries.Split(','));
    }

    [Fact]
    public async Task An_MX_naming_an_address_is_skipped_and_a_duplicate_host_keeps_its_best_preference()
    {
        _dns.Mx("odd.test", (5, "127.0.0.9"), (10, "mx.odd.test"), (20, "mx.odd.test")).Host("mx.odd.test", "127.0.0.2");

        var route = await Resolver(_dns).ResolveAsync("odd.test", CancellationToken.None);

        route.Targets.Count.ShouldBe(1);
        route.Targets[0].Host.ShouldBe("mx.odd.test");
        route.Targets[0].Preference.ShouldBe(10);
        route.Notes.ShouldContain(n => n.Contains("127.0.0.9") && n.Contains("not an address"));
    }

    [Theory]
    [InlineData("[127.0.0.8]", "127.0.0.8")]
    [InlineData("[IPv6:::1]", "::1")]
    public async Task An_address_literal_domain_is_its_own_target_without_DNS(string domain, string address)
    {
        var route = await Resolver(_dns).ResolveAsync(domain, CancellationToken.None);

        route.Targets.Single().Addresses.ShouldBe([IPAddress.Parse(address)]);
        _dns.Queries.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_malformed_address_literal_is_a_permanent_5_1_2()
    {
        var route = await Resolver(_dns).ResolveAsync("[not-an-ip]", CancellationToken.None);

        route.Failure.ShouldNotBeNull();
        route.Failure.EnhancedStatus.ShouldBe("5.1.2");
    }

    [Fact]
    public async Task A_named_smart_host_skips_MX_and_keeps_its_port()
    {
        _dns.Mx("relay.test", (10, "elsewhere.test")).Host("relay.test", "127.0.0.3");

        var route = await Resolver(_dns).ResolveSmartHostAsync(SmartHost.Parse("relay.test:2525"), CancellationToken.None);

        var target = route.Targets.Single();
        (target.Host, target.Preference, target.Port).ShouldBe(("relay.test", 0, 2525));
        target.Addresses.ShouldBe([IPAddress.Parse("127.0.0.3")]);
        _dns.Queries.ShouldNotContain("MX relay.test");
    }

    [Fact]
    public async Task An_IP_smart_host_needs_no_DNS()
    {
        var route = await Resolver(_dns).ResolveSmartHostAsync(SmartHost.Parse("[127.0.0.9]:26"), CancellationToken.None);

        route.Targets.Single().Addresses.ShouldBe([IPAddress.Parse("127.0.0.9")]);
        route.Targets.Single().Port.ShouldBe(26);
        _dns.Queries.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("gone.test")]
    [InlineData("gone.test:587")]
    public async Task A_smart_host_that_does_not_resolve_defers_rather_than_bounces(string setting)
    {
        var route = await Resolver(_dns).ResolveSmartHostAsync(SmartHost.Parse(setting), CancellationToken.None);

        route.Failure.ShouldNotBeNull();
        route.Failure.IsPermanent.ShouldBeFalse();
        route.Failure.EnhancedStatus.ShouldBe("4.4.3");
        route.Failure.Reason.ShouldContain("smart host");
    }
}
