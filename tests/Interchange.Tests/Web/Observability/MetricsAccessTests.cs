using System.Net;
using Interchange.Web.Observability;
using Shouldly;

namespace Interchange.Tests.Web.Observability;

public sealed class MetricsAccessTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.10.0.3", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("192.0.2.10", false)]
    [InlineData("2001:db8::1", false)]
    public void The_default_is_loopback_only(string client, bool allowed)
    {
        new MetricsAccess(null).Allows(IPAddress.Parse(client)).ShouldBe(allowed);
    }

    [Fact]
    public void Configured_networks_replace_the_default()
    {
        var access = new MetricsAccess(["192.0.2.0/24"]);

        access.Allows(IPAddress.Parse("192.0.2.77")).ShouldBeTrue();
        access.Allows(IPAddress.Parse("127.0.0.1")).ShouldBeFalse();
        new MetricsAccess([]).Allows(IPAddress.Loopback).ShouldBeFalse("an empty list refuses everyone");
    }

    [Fact]
    public void A_malformed_network_is_a_configuration_problem()
    {
        MetricsAccess.Validate(["10.0.0.0/8", "not-a-network", "10.0.0.0/33"]).Count.ShouldBe(2);
    }
}
