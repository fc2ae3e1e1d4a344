using Interchange.MailAuth.Spf;
using Interchange.Tests.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.MailAuth.Spf;

/// <summary>RFC 7208 Appendix A: its zone, and which hosts each example record lets send.</summary>
public sealed class SpfAppendixATests
{
    private static readonly string[] Hosts =
        ["192.0.2.10", "192.0.2.11", "192.0.2.65", "192.0.2.66", "192.0.2.128", "192.0.2.129", "192.0.2.130", "192.0.2.131", "192.0.2.140", "192.0.2.143", "192.0.2.200", "10.0.0.4"];

    /// <summary>The Appendix A zone, with <paramref name="record"/> as example.com's SPF record.</summary>
    private static FakeDnsResolver Zone(string record) => new FakeDnsResolver()
        .Host("example.com", "192.0.2.10", "192.0.2.11")
        .Txt("example.com", record)
        .Mx("example.com", (10, "mail-a.example.com"), (20, "mail-b.example.com"))
        .Host("amy.example.com", "192.0.2.65")
        .Host("bob.example.com", "192.0.2.66")
        .Host("mail-a.example.com", "192.0.2.129")
        .Host("mail-b.example.com", "192.0.2.130")
        .Host("www.example.com", "192.0.2.10", "192.0.2.11") // www CNAME example.com.: the resolver follows it
        .Mx("example.org", (10, "mail-c.example.org"))
        .Host("mail-c.example.org", "192.0.2.140")
        .Ptr("192.0.2.10", "example.com")
        .Ptr("192.0.2.11", "example.com")
        .Ptr("192.0.2.65", "amy.example.com")
        .Ptr("192.0.2.66", "bob.example.com")
        .Ptr("192.0.2.129", "mail-a.example.com")
        .Ptr("192.0.2.130", "mail-b.example.com")
        .Ptr("192.0.2.140", "mail-c.example.org")
        .Ptr("10.0.0.4", "bob.example.com");

    // A.1: each record, and the hosts it passes; every other host of the list fails (-all) or,
    // for +all, none does.
    [Theory]
    [InlineData("v=spf1 +all", "192.0.2.10 192.0.2.11 192.0.2.65 192.0.2.66 192.0.2.128 192.0.2.129 192.0.2.130 192.0.2.131 192.0.2.140 192.0.2.143 192.0.2.200 10.0.0.4")]
    [InlineData("v=spf1 a -all", "192.0.2.10 192.0.2.11")]
    [InlineData("v=spf1 a:example.org -all", "")]
    [InlineData("v=spf1 mx -all", "192.0.2.129 192.0.2.130")]
    [InlineData("v=spf1 mx:example.org -all", "192.0.2.140")]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.129 192.0.2.130 192.0.2.140")]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.128 192.0.2.129 192.0.2.130 192.0.2.131 192.0.2.140 192.0.2.143")]
    [InlineData("v=spf1 ptr -all", "192.0.2.10 192.0.2.11 192.0.2.65 192.0.2.66 192.0.2.129 192.0.2.130")]
    [InlineData("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.128 192.0.2.129 192.0.2.130 192.0.2.131 192.0.2.140 192.0.2.143")]
    public async Task A1SimpleExamples(string record, string passing)
    {
        var pass = passing.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var dns = Zone(record);
        foreach (var host in Hosts)
        {
            var outcome = await dns.CheckAsync(host, "example.com");
            outcome.Result.ShouldBe(pass.Contains(host) ? SpfResult.Pass : SpfResult.Fail, $"{record} for {host}: {outcome.Problem}");
        }
    }

    [Fact]
    public async Task A2MultipleDomainsIncludeEachOthersPolicies()
    {
        // A.2: a domain whose mail leaves through two others includes their policies.
        var dns = Zone("v=spf1 mx -all")
            .Txt("la.example.org", "v=spf1 include:example.com include:example.net -all")
            .Txt("example.net", "v=spf1 ip4:192.0.2.200 -all");
        (await dns.CheckAsync("192.0.2.129", "la.example.org")).Result.ShouldBe(SpfResult.Pass); // example.com's MX
        (await dns.CheckAsync("192.0.2.200", "la.example.org")).Result.ShouldBe(SpfResult.Pass); // example.net's host
        var outcome = await dns.CheckAsync("192.0.2.65", "la.example.org");
        outcome.Result.ShouldBe(SpfResult.Fail);
        outcome.Mechanism.ShouldBe("-all");
    }

    [Fact]
    public async Task A3DnsblStyleExistsListsAddressesByName()
    {
        // A.3: "exists" over a list keyed by the reversed address (%{ir}), as DNS block lists are.
        var dns = Zone("v=spf1 exists:%{ir}.list.example.com -all")
            .Host("65.2.0.192.list.example.com", "127.0.0.2");
        (await dns.CheckAsync("192.0.2.65", "example.com")).Result.ShouldBe(SpfResult.Pass);
        (await dns.CheckAsync("192.0.2.66", "example.com")).Result.ShouldBe(SpfResult.Fail);
    }

    [Fact]
    public async Task A4MultipleRequirementsAddressAndPtrBothNeeded()
    {
        // A.4: "-include" of policies that pass when a requirement is NOT met: mail must come from
        // 192.0.2.0/24 and have a PTR name in example.com. Inside the include the current domain is
        // ptr._spf.example.com (5.5: ptr's default target), so the ptr policy names its target.
        var dns = Zone("v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all")
            .Txt("ip4._spf.example.com", "v=spf1 -ip4:192.0.2.0/24 +all")
            .Txt("ptr._spf.example.com", "v=spf1 -ptr:%{d2} +all");
        (await dns.CheckAsync("192.0.2.65", "example.com")).Result.ShouldBe(SpfResult.Pass); // amy.example.com
        (await dns.CheckAsync("192.0.2.140", "example.com")).Result.ShouldBe(SpfResult.Fail); // PTR in example.org
        (await dns.CheckAsync("10.0.0.4", "example.com")).Result.ShouldBe(SpfResult.Fail); // outside 192.0.2.0/24
    }
}
