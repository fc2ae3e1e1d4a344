using Interchange.Directory.Resolution;
using Interchange.Transport.Connectors;
using Interchange.Transport.Routing;
using Shouldly;

namespace Interchange.Tests.Transport;

/// <summary>Route matching: specificity, then cost, ties spread, down connectors skipped, local destinations kept local, the default route.</summary>
public sealed class RoutingTableTests
{
    private static RouteEntry R(string space, string connector = "smtp", int cost = 1, string? smartHost = null, string? tls = null, string? gateway = null, RouteSource source = RouteSource.Store) =>
        RouteEntry.Create(space, connector, cost, smartHost, tls, gateway, source);

    private static RoutingTable Table(Func<int, int>? pick, params RouteEntry[] routes) => new(pick, new RoutingSnapshot(routes, 1));

    [Fact]
    public void With_no_route_everything_remote_goes_to_smtp_by_MX_with_opportunistic_TLS()
    {
        var decision = new RoutingTable().Select("Example.COM");
        decision.Connector.ShouldBe("smtp");
        decision.IsDefault.ShouldBeTrue();
        decision.SmartHost.ShouldBeNull();
        decision.Tls.ShouldBe(TlsPolicy.Opportunistic);
        decision.Domain.ShouldBe("example.com");
        decision.Describe().ShouldBe("connector smtp to the MX of example.com (default route), TLS opportunistic");
    }

    [Fact]
    public void The_most_specific_address_space_wins_whatever_the_costs()
    {
        var table = Table(null,
            R("*", smartHost: "star.relay.test", cost: 0),
            R("*.example.com", smartHost: "short.relay.test", cost: 0),
            R("*.sub.example.com", smartHost: "long.relay.test", cost: 50),
            R("exact.sub.example.com", smartHost: "exact.relay.test", cost: 99));

        table.Select("exact.sub.example.com").SmartHost!.Host.ShouldBe("exact.relay.test");
        table.Select("other.sub.example.com").SmartHost!.Host.ShouldBe("long.relay.test");
        table.Select("deep.other.sub.example.com").SmartHost!.Host.ShouldBe("long.relay.test");
        table.Select("a.example.com").SmartHost!.Host.ShouldBe("short.relay.test");
        table.Select("elsewhere.org").SmartHost!.Host.ShouldBe("star.relay.test");
    }

    [Fact]
    public void A_wildcard_covers_subdomains_but_not_the_domain_itself()
    {
        var table = Table(null, R("*.example.com", smartHost: "relay.test"));
        table.Select("a.example.com").IsDefault.ShouldBeFalse();
        table.Select("a.b.example.com").IsDefault.ShouldBeFalse();
        table.Select("example.com").IsDefault.ShouldBeTrue();
        table.Select("badexample.com").IsDefault.ShouldBeTrue();
    }

    [Fact]
    public void Among_equally_specific_routes_the_lowest_cost_wins()
    {
        var table = Table(null, R("example.com", smartHost: "dear.test", cost: 20), R("example.com", smartHost: "cheap.test", cost: 10), R("example.com", "ccmail", cost: 15));
        for (var i = 0; i < 20; i++)
        {
            table.Select("example.com").SmartHost!.Host.ShouldBe("cheap.test");
        }
    }

    [Fact]
    public void Ties_are_spread_by_the_injected_picker_round_robin()
    {
        var next = 0;
        var table = Table(count => next++ % count, R("example.com", smartHost: "a.test", cost: 5), R("example.com", smartHost: "b.test", cost: 5), R("example.com", smartHost: "c.test", cost: 6));
        var hosts = Enumerable.Range(0, 6).Select(_ => table.Select("example.com").SmartHost!.Host).ToList();
        hosts.ShouldBe(["a.test", "b.test", "a.test", "b.test", "a.test", "b.test"]);
    }

    [Fact]
    public void Ties_are_spread_at_random_by_default()
    {
        var table = Table(null, R("example.com", smartHost: "a.test"), R("example.com", smartHost: "b.test"));
        var counts = Enumerable.Range(0, 400).Select(_ => table.Select("example.com").SmartHost!.Host).CountBy(h => h).ToDictionary();
        counts.Keys.Order().ShouldBe(["a.test", "b.test"]);
        counts.Values.ShouldAllBe(n => n > 100); // p(< 100 of 400 at 1/2) is below 1e-23
    }

    [Fact]
    public void A_connector_marked_down_is_skipped_while_another_route_matches_and_used_again_once_up()
    {
        var table = Table(null, R("example.com", "ccmail", cost: 1, gateway: "post-office"), R("*.com", smartHost: "backup.test", cost: 1));
        table.Select("example.com").Connector.ShouldBe("ccmail");

        table.MarkDown("ccmail").ShouldBeTrue();
        table.IsDown("ccmail").ShouldBeTrue();
        var fallback = table.Select("example.com");
        fallback.Connector.ShouldBe("smtp");
        fallback.SmartHost!.Host.ShouldBe("backup.test");

        table.MarkUp("ccmail").ShouldBeTrue();
        table.Select("example.com").Connector.ShouldBe("ccmail");
    }

    [Fact]
    public void When_every_matching_route_is_down_the_best_one_is_kept_rather_than_the_default()
    {
        var table = Table(null, R("example.com", "ccmail", cost: 2), R("example.com", "notes", cost: 1));
        table.MarkDown("ccmail");
        table.MarkDown("notes");
        table.Select("example.com").Connector.ShouldBe("notes");
        table.Select("other.org").IsDefault.ShouldBeTrue();
    }

    [Fact]
    public void Local_destinations_go_to_the_local_connector_even_under_a_star_route()
    {
        var table = Table(null, R("*", "ccmail"), R("example.com", "ccmail"));
        table.ConnectorFor(new ResolvedRecipient("anna@example.com", "anna@example.com", IsLocal: true)).ShouldBe(LocalConnector.ConnectorName);
        table.ConnectorFor(new ResolvedRecipient("bob@remote.org", "bob@remote.org", IsLocal: false)).ShouldBe("ccmail");
    }

    [Fact]
    public void An_attempt_looks_up_its_connectors_route_in_the_current_table()
    {
        var table = Table(null, R("example.com", smartHost: "[192.0.2.7]:587", tls: "required"), R("example.com", "ccmail", cost: 0));
        var attempt = table.ForAttempt("example.com", "smtp");
        attempt.SmartHost!.ToString().ShouldBe("[192.0.2.7]:587");
        attempt.Tls.ShouldBe(TlsPolicy.Required);

        // The route went away after routing: smtp falls back to the MX, a gateway gets no route (and defers).
        table.Publish(new RoutingSnapshot([], 2)).ShouldBeTrue();
        table.ForAttempt("example.com", "smtp").IsDefault.ShouldBeTrue();
        table.ForAttempt("example.com", "ccmail").Route.ShouldBeNull();
        attempt.SmartHost!.Host.ShouldBe("192.0.2.7"); // the attempt in flight kept what it started with
    }

    [Fact]
    public void An_older_snapshot_never_replaces_a_newer_one()
    {
        var table = Table(null, R("example.com", smartHost: "new.test"));
        table.Publish(new RoutingSnapshot([R("example.com", smartHost: "old.test")], 0)).ShouldBeFalse();
        table.Select("example.com").SmartHost!.Host.ShouldBe("new.test");
    }

    [Fact]
    public void A_stored_route_replaces_a_configured_one_with_the_same_key()
    {
        var snapshot = new RoutingSnapshot([R("example.com", smartHost: "relay.test", cost: 9, source: RouteSource.Configuration), R("example.com", smartHost: "relay.test", cost: 3)], 1);
        snapshot.Routes.ShouldHaveSingleItem().Cost.ShouldBe(3);
        snapshot.Routes[0].Source.ShouldBe(RouteSource.Store);
    }

    [Theory]
    [InlineData("example.com", "smtp", 0, null, null, null, null)]
    [InlineData("*.Bücher.Example", "SMTP", 1, "relay.test:2525", "Required", null, null)]
    [InlineData("*", "ccmail", 1, null, null, "post office", null)]
    [InlineData("exa*mple.com", "smtp", 1, null, null, null, "not an address space")]
    [InlineData("**.example.com", "smtp", 1, null, null, null, "not an address space")]
    [InlineData("example.com", "local", 1, null, null, null, "local connector")]
    [InlineData("example.com", "sm tp", 1, null, null, null, "not a connector name")]
    [InlineData("example.com", "smtp", -1, null, null, null, "0 or more")]
    [InlineData("example.com", "smtp", 1, "relay.test:0", null, null, "not a smart host")]
    [InlineData("example.com", "smtp", 1, "[relay.test]:25", null, null, "not a smart host")]
    [InlineData("example.com", "smtp", 1, null, "sometimes", null, "TLS policy")]
    [InlineData("example.com", "ccmail", 1, "relay.test", null, null, "belong to smtp routes")]
    [InlineData("example.com", "smtp", 1, null, null, "gw", "belongs to gateway connectors")]
    public void Routes_are_validated_as_written(string space, string connector, int cost, string? smartHost, string? tls, string? gateway, string? error)
    {
        if (error is null)
        {
            var entry = RouteEntry.Create(space, connector, cost, smartHost, tls, gateway, RouteSource.Store);
            RouteEntry.FromRecord(entry.ToRecord()).ShouldBe(entry); // the stored form reads back the same
        }
        else
        {
            Should.Throw<FormatException>(() => RouteEntry.Create(space, connector, cost, smartHost, tls, gateway, RouteSource.Store)).Message.ShouldContain(error);
        }
    }

    [Theory]
    [InlineData("relay.test", "relay.test:25", false)]
    [InlineData("Relay.TEST:587", "relay.test:587", false)]
    [InlineData("[192.0.2.1]", "[192.0.2.1]:25", true)]
    [InlineData("192.0.2.1:2525", "[192.0.2.1]:2525", true)]
    [InlineData("[2001:db8::1]:587", "[2001:db8::1]:587", true)]
    public void Smart_hosts_parse_to_one_canonical_form(string text, string canonical, bool literal)
    {
        var host = SmartHost.Parse(text);
        host.ToString().ShouldBe(canonical);
        host.IsAddressLiteral.ShouldBe(literal);
        SmartHost.Parse(canonical).ShouldBe(host);
    }

    [Fact]
    public void Configured_routes_are_validated_with_their_position()
    {
        var routes = new[] { new ConfiguredRoute { AddressSpace = "example.com" }, new ConfiguredRoute { AddressSpace = "example.org", SmartHost = "nope:99999" } };
        Should.Throw<FormatException>(() => ConfiguredRoute.ToEntries(routes)).Message.ShouldStartWith("Transport:Routes:1: ");
        ConfiguredRoute.ToEntries(routes[..1]).ShouldHaveSingleItem().Source.ShouldBe(RouteSource.Configuration);
    }
}
