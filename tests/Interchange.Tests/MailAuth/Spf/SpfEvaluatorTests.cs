using System.Diagnostics;
using System.Net;
using System.Text;
using Interchange.MailAuth.Spf;
using Interchange.Tests.TestSupport;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.MailAuth.Spf;

/// <summary>check_host() semantics: record selection, mechanisms, modifiers, identities, DNS errors,
/// the 4.6.4 limits, loops and the time bound.</summary>
public sealed class SpfEvaluatorTests
{
    private static FakeDnsResolver Record(string record) => new FakeDnsResolver().Txt("example.com", record);

    // ---- record selection (4.4, 4.5) ----

    [Fact]
    public async Task NoRecordIsNone()
    {
        (await new FakeDnsResolver().CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.None); // NXDOMAIN
        var other = new FakeDnsResolver().Txt("example.com", "google-site-verification=abc", "v=spf10 -all", "v=spf1x");
        (await other.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.None);
    }

    [Fact]
    public async Task TwoRecordsArePermErrorAndOtherTxtIsIgnored()
    {
        (await new FakeDnsResolver().Txt("example.com", "v=spf1 +all", "v=spf1 -all").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
        (await new FakeDnsResolver().Txt("example.com", "hello", "V=SPF1 -all").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail);
        (await Record("v=spf1").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Neutral); // 4.7
    }

    [Theory]
    [InlineData("v=spf1 foo")]
    [InlineData("v=spf1 a:")]
    [InlineData("v=spf1 include")]
    [InlineData("v=spf1 exists")]
    [InlineData("v=spf1 all:example.com")]
    [InlineData("v=spf1 =a")]
    [InlineData("v=spf1 ip4:192.0.2")]
    [InlineData("v=spf1 ip4:192.0.2.300")]
    [InlineData("v=spf1 ip4:192.0.2.01")]
    [InlineData("v=spf1 ip4:192.0.2.0/33")]
    [InlineData("v=spf1 ip4:192.0.2.0/024")]
    [InlineData("v=spf1 ip6:2001:db8::/129")]
    [InlineData("v=spf1 ip6:192.0.2.1")]
    [InlineData("v=spf1 a/33")]
    [InlineData("v=spf1 mx//129")]
    [InlineData("v=spf1 a:example.123")] // toplabel all digits (7.1)
    [InlineData("v=spf1 a:localhost")] // domain-end needs "." toplabel
    [InlineData("v=spf1 redirect=a.example.net redirect=b.example.net")]
    [InlineData("v=spf1 exp=a.example.net exp=b.example.net")]
    [InlineData("v=spf1 foo=%{x}")]
    [InlineData("v=spf1 -all\tip4:192.0.2.1")]
    [InlineData("v=spf1 a:caf\u00e9.example.com")]
    [InlineData("v=spf1 ip4:192.0.2.1 -all junk")] // an error after the matching term still counts (4.6)
    public async Task MalformedRecordsArePermError(string record)
    {
        var outcome = await Record(record).CheckAsync("192.0.2.1", "example.com");
        outcome.Result.ShouldBe(SpfResult.PermError);
        outcome.Problem.ShouldNotBeNullOrEmpty();
    }

    // ---- mechanisms, qualifiers, modifiers ----

    [Theory]
    [InlineData("v=spf1 +all", SpfResult.Pass)]
    [InlineData("v=spf1 all", SpfResult.Pass)]
    [InlineData("v=spf1 -all", SpfResult.Fail)]
    [InlineData("v=spf1 ~all", SpfResult.SoftFail)]
    [InlineData("v=spf1 ?all", SpfResult.Neutral)]
    [InlineData("v=spf1 ip4:192.0.2.0/24 -all", SpfResult.Pass)]
    [InlineData("v=spf1 -ip4:192.0.2.1 +all", SpfResult.Fail)]
    [InlineData("v=spf1 ip4:192.0.2.2 ~all", SpfResult.SoftFail)]
    [InlineData("v=spf1 ip6:::/0 -all", SpfResult.Fail)] // ip6 never matches an IPv4 client (5.6)
    [InlineData("v=spf1 ip4:0.0.0.0/0", SpfResult.Pass)]
    [InlineData("v=spf1 foo=bar -all", SpfResult.Fail)] // unknown modifiers are ignored (6.3)
    [InlineData("v=spf1 -all redirect=nowhere.example.net", SpfResult.Fail)] // all wins: redirect unused (6.1)
    [InlineData("v=spf1   ip4:192.0.2.1   ", SpfResult.Pass)]
    public async Task QualifiersAndLiteralMechanisms(string record, SpfResult expected)
    {
        var outcome = await Record(record).CheckAsync("192.0.2.1", "example.com");
        outcome.Result.ShouldBe(expected, outcome.Problem);
    }

    [Fact]
    public async Task DualCidrLengthsApplyPerFamily()
    {
        var dns = Record("v=spf1 a:hosts.example.com/24//64 -all").Host("hosts.example.com", "192.0.2.10", "2001:db8:1::10");
        (await dns.CheckAsync("192.0.2.200", "example.com")).Result.ShouldBe(SpfResult.Pass);
        (await dns.CheckAsync("192.0.3.10", "example.com")).Result.ShouldBe(SpfResult.Fail);
        (await dns.CheckAsync("2001:db8:1::ffff", "example.com")).Result.ShouldBe(SpfResult.Pass);
        (await dns.CheckAsync("2001:db8:2::10", "example.com")).Result.ShouldBe(SpfResult.Fail);
        var mx = Record("v=spf1 mx//48 -all").Mx("example.com", (10, "mx.example.com")).Host("mx.example.com", "2001:db8:1::1");
        (await mx.CheckAsync("2001:db8:1:ff::1", "example.com")).Result.ShouldBe(SpfResult.Pass);
        (await mx.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail);
    }

    [Fact]
    public async Task Ipv4MappedClientIsTreatedAsIpv4()
    {
        var dns = Record("v=spf1 ip4:192.0.2.0/24 -all");
        var outcome = await dns.CheckAsync("::ffff:192.0.2.7", "example.com");
        outcome.Result.ShouldBe(SpfResult.Pass);
        var a = Record("v=spf1 a:h.example.com -all").Host("h.example.com", "192.0.2.7");
        (await a.CheckAsync("::ffff:192.0.2.7", "example.com")).Result.ShouldBe(SpfResult.Pass);
        a.Queries.ShouldContain("A h.example.com");
    }

    [Fact]
    public async Task ExistsAsksForAnARecordEvenForIpv6Clients()
    {
        var dns = Record("v=spf1 exists:%{ir}.%{v}.list.example.com -all");
        await dns.CheckAsync("2001:db8::1", "example.com");
        dns.Queries.ShouldContain(q => q.StartsWith("A 1.0.0.0.", StringComparison.Ordinal) && q.EndsWith(".ip6.list.example.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IncludeMatchesOnlyOnPass()
    {
        var dns = Record("v=spf1 include:pass.example.net include:fail.example.net include:soft.example.net include:neutral.example.net ?all")
            .Txt("pass.example.net", "v=spf1 ip4:192.0.2.1 -all")
            .Txt("fail.example.net", "v=spf1 -all")
            .Txt("soft.example.net", "v=spf1 ~all")
            .Txt("neutral.example.net", "v=spf1 ?all");
        var pass = await dns.CheckAsync("192.0.2.1", "example.com");
        pass.Result.ShouldBe(SpfResult.Pass);
        pass.Mechanism.ShouldBe("include:pass.example.net");
        (await dns.CheckAsync("192.0.2.2", "example.com")).Result.ShouldBe(SpfResult.Neutral); // inner fails do not match
    }

    [Fact]
    public async Task IncludeOfNothingIsPermErrorAndOfAnErrorPropagates()
    {
        (await Record("v=spf1 include:none.example.net +all").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
        var temp = Record("v=spf1 include:down.example.net +all").Answer("down.example.net", "TXT", DnsLookup<string>.TemporaryFailure("SERVFAIL"));
        (await temp.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.TempError);
        var perm = Record("v=spf1 include:bad.example.net +all").Txt("bad.example.net", "v=spf1 bogus");
        (await perm.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
    }

    [Fact]
    public async Task RedirectReplacesTheDomainAndNeedsARecord()
    {
        var dns = Record("v=spf1 ip4:198.51.100.1 redirect=_spf.example.net")
            .Txt("_spf.example.net", "v=spf1 a -all")
            .Host("_spf.example.net", "192.0.2.1");
        (await dns.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass); // "a" is the target's name
        (await dns.CheckAsync("192.0.2.9", "example.com")).Result.ShouldBe(SpfResult.Fail);
        (await Record("v=spf1 redirect=none.example.net").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
    }

    [Fact]
    public async Task ExplanationOnlyOnFailAndFromTheRightRecord()
    {
        var dns = Record("v=spf1 include:inc.example.net redirect=red.example.net exp=why.example.com")
            .Txt("why.example.com", "%{i} may not send for %{d} (%{l})")
            .Txt("inc.example.net", "v=spf1 -ip4:192.0.2.5 exp=never.example.net")
            .Txt("never.example.net", "wrong explanation")
            .Txt("red.example.net", "v=spf1 ip4:192.0.2.1 ?ip4:192.0.2.2 -all exp=red-why.example.net")
            .Txt("red-why.example.net", "see %{d}")
            .Txt("direct.example.com", "v=spf1 ip4:192.0.2.1 -all exp=why.example.com");

        // Fail in the record itself: its exp, expanded with its domain.
        var direct = await dns.CheckAsync("192.0.2.9", "direct.example.com", sender: "bob@direct.example.com");
        direct.Result.ShouldBe(SpfResult.Fail);
        direct.Explanation.ShouldBe("192.0.2.9 may not send for direct.example.com (bob)");

        // Fail through redirect: the target's exp only (6.2); the include's exp is never used.
        var redirected = await dns.CheckAsync("192.0.2.5", "example.com");
        redirected.Result.ShouldBe(SpfResult.Fail);
        redirected.Explanation.ShouldBe("see red.example.net");

        // Not a fail: no explanation at all.
        (await dns.CheckAsync("192.0.2.2", "example.com")).Explanation.ShouldBeNull();
        dns.Queries.ShouldNotContain("TXT never.example.net");
    }

    [Fact]
    public async Task ExplanationTroubleLeavesTheFailWithoutText()
    {
        var servfail = Record("v=spf1 -all exp=why.example.com").Answer("why.example.com", "TXT", DnsLookup<string>.TemporaryFailure("SERVFAIL"));
        var outcome = await servfail.CheckAsync("192.0.2.1", "example.com");
        outcome.Result.ShouldBe(SpfResult.Fail);
        outcome.Explanation.ShouldBeNull();

        var two = Record("v=spf1 -all exp=why.example.com").Txt("why.example.com", "one", "two");
        (await two.CheckAsync("192.0.2.1", "example.com")).Explanation.ShouldBeNull();
        var bad = Record("v=spf1 -all exp=why.example.com").Txt("why.example.com", "100%");
        (await bad.CheckAsync("192.0.2.1", "example.com")).Explanation.ShouldBeNull();
        var huge = Record("v=spf1 -all exp=why.example.com").Txt("why.example.com", new string('x', 65_536));
        (await huge.CheckAsync("192.0.2.1", "example.com")).Explanation.ShouldBeNull();
    }

    [Fact]
    public async Task PtrValidatesNamesAndIgnoresDnsErrors()
    {
        var dns = Record("v=spf1 ptr -all")
            .Ptr("192.0.2.1", "liar.example.com", "mail.example.com")
            .Host("liar.example.com", "198.51.100.1")
            .Host("mail.example.com", "192.0.2.1");
        (await dns.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass);

        var unvalidated = Record("v=spf1 ptr -all").Ptr("192.0.2.1", "liar.example.com").Host("liar.example.com", "198.51.100.1");
        (await unvalidated.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail);

        // 5.5: a DNS error on the PTR query is no match, not temperror.
        var servfail = Record("v=spf1 ptr -all").Answer(IPAddress.Parse("192.0.2.1").GetArpaName(), "PTR", DnsLookup<string>.TemporaryFailure("SERVFAIL"));
        (await servfail.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail);
    }

    // ---- DNS errors (4.4, 5) ----

    [Fact]
    public async Task ServerFailuresAreTempError()
    {
        var txt = new FakeDnsResolver().Answer("example.com", "TXT", DnsLookup<string>.TemporaryFailure("SERVFAIL"));
        (await txt.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.TempError);
        var a = Record("v=spf1 a:h.example.net -all").Answer("h.example.net", "A", DnsLookup<IPAddress>.TemporaryFailure("timeout"));
        (await a.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.TempError);
        var mx = Record("v=spf1 mx -all").Answer("example.com", "MX", DnsLookup<DnsMxRecord>.TemporaryFailure("REFUSED"));
        (await mx.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.TempError);
        var exists = Record("v=spf1 exists:x.example.net -all").Answer("x.example.net", "A", DnsLookup<IPAddress>.TemporaryFailure("SERVFAIL"));
        (await exists.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.TempError);
    }

    [Fact]
    public async Task AResolverThatThrowsIsTempErrorNotAnException()
    {
        var outcome = await new SpfEvaluator(new ThrowingDnsResolver(), new SpfOptions()).CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "a@example.com", "h.example.org", CancellationToken.None);
        outcome.Result.ShouldBe(SpfResult.TempError);
        outcome.Problem!.ShouldContain("InvalidOperationException");
    }

    private sealed class ThrowingDnsResolver : IDnsResolver
    {
        public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");

        public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, System.Net.Sockets.AddressFamily family, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");

        public Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken) => Task.FromException<DnsLookup<string>>(new InvalidOperationException("broken"));

        public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");

        public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");
    }

    // ---- identities and domains (2.3, 2.4, 4.3) ----

    [Fact]
    public async Task NullSenderUsesPostmasterAtHelo()
    {
        var dns = new FakeDnsResolver().Txt("mx.example.org", "v=spf1 -all exp=why.example.org").Txt("why.example.org", "%{s} %{l} %{o}");
        var evaluator = new SpfEvaluator(dns, new SpfOptions());
        var outcome = await evaluator.VerifyMailFromAsync(IPAddress.Parse("192.0.2.1"), "mx.example.org", "", CancellationToken.None);
        outcome.Result.ShouldBe(SpfResult.Fail);
        outcome.Identity.ShouldBe("mailfrom");
        outcome.Domain.ShouldBe("mx.example.org");
        outcome.Sender.ShouldBe("postmaster@mx.example.org");
        outcome.Explanation.ShouldBe("postmaster@mx.example.org postmaster mx.example.org");
    }

    [Fact]
    public async Task HeloIdentity()
    {
        var dns = new FakeDnsResolver().Txt("mx.example.org", "v=spf1 a -all").Host("mx.example.org", "192.0.2.1");
        var evaluator = new SpfEvaluator(dns, new SpfOptions());
        var outcome = await evaluator.VerifyHeloAsync(IPAddress.Parse("192.0.2.1"), "mx.example.org", CancellationToken.None);
        outcome.Result.ShouldBe(SpfResult.Pass);
        outcome.Identity.ShouldBe("helo");
        outcome.Sender.ShouldBe("postmaster@mx.example.org");
        (await evaluator.VerifyHeloAsync(IPAddress.Parse("192.0.2.1"), "[192.0.2.1]", CancellationToken.None)).Result.ShouldBe(SpfResult.None);
        (await evaluator.VerifyHeloAsync(IPAddress.Parse("192.0.2.1"), "localhost", CancellationToken.None)).Result.ShouldBe(SpfResult.None);
        (await evaluator.VerifyHeloAsync(IPAddress.Parse("192.0.2.1"), "", CancellationToken.None)).Result.ShouldBe(SpfResult.None);
        dns.Queries.Count(q => q.StartsWith("TXT ", StringComparison.Ordinal)).ShouldBe(1); // no DNS for the invalid ones
    }

    [Theory]
    [InlineData("user@example..com")]
    [InlineData("user@.example.com")]
    [InlineData("user@com")]
    [InlineData("user@[192.0.2.1]")]
    [InlineData("user@a123456789012345678901234567890123456789012345678901234567890123.example.com")]
    public async Task MalformedDomainsAreNone(string mailFrom)
    {
        var dns = new FakeDnsResolver();
        var outcome = await new SpfEvaluator(dns, new SpfOptions()).VerifyMailFromAsync(IPAddress.Parse("192.0.2.1"), "mx.example.org", mailFrom, CancellationToken.None);
        outcome.Result.ShouldBe(SpfResult.None);
        dns.Queries.ShouldBeEmpty();
    }

    [Fact]
    public async Task NoLocalPartBecomesPostmaster()
    {
        var dns = Record("v=spf1 -all exp=why.example.com").Txt("why.example.com", "%{l}");
        var outcome = await new SpfEvaluator(dns, new SpfOptions()).VerifyMailFromAsync(IPAddress.Parse("192.0.2.1"), "mx.example.org", "@example.com", CancellationToken.None);
        outcome.Explanation.ShouldBe("postmaster");
        outcome.Sender.ShouldBe("postmaster@example.com");
    }

    // ---- limits (4.6.4) and loops ----

    private static FakeDnsResolver Chain(int includes)
    {
        // example.com includes i1 .. iN, each of which fails; the last term passes.
        var dns = Record("v=spf1 " + string.Concat(Enumerable.Range(1, includes).Select(i => $"include:i{i}.example.net ")) + "ip4:192.0.2.1");
        for (var i = 1; i <= includes; i++)
        {
            dns.Txt($"i{i}.example.net", "v=spf1 -all");
        }

        return dns;
    }

    [Fact]
    public async Task TenDnsTermsAreAllowedTheEleventhIsPermError()
    {
        (await Chain(10).CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass);
        var eleven = await Chain(11).CheckAsync("192.0.2.1", "example.com");
        eleven.Result.ShouldBe(SpfResult.PermError);
        eleven.Problem!.ShouldContain("4.6.4");

        // The limit counts terms evaluated, not written: a match before the 11th ends the check.
        (await Chain(11).CheckAsync("192.0.2.1", "example.com", new SpfOptions { MaxDnsMechanisms = 11 })).Result.ShouldBe(SpfResult.Pass);
        var early = Record("v=spf1 ip4:192.0.2.1 " + string.Concat(Enumerable.Repeat("a ", 20)) + "-all");
        (await early.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass);
    }

    [Fact]
    public async Task NestedTermsCountTowardsOneLimit()
    {
        // 4.6.4: terms in included records count too: (1 + 3) + (1 + 3) + 2 = 10 is fine, one more is not.
        var ten = Record("v=spf1 include:a.example.net include:b.example.net a a -all")
            .Txt("a.example.net", "v=spf1 a a a -all").Host("a.example.net", "198.51.100.1")
            .Txt("b.example.net", "v=spf1 a a a -all").Host("b.example.net", "198.51.100.2")
            .Host("example.com", "198.51.100.3");
        (await ten.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail);
        var dns = Record("v=spf1 include:a.example.net include:b.example.net a a a -all")
            .Txt("a.example.net", "v=spf1 a a a -all").Host("a.example.net", "198.51.100.1")
            .Txt("b.example.net", "v=spf1 a a a -all").Host("b.example.net", "198.51.100.2")
            .Host("example.com", "198.51.100.3");
        var outcome = await dns.CheckAsync("192.0.2.1", "example.com");
        outcome.Result.ShouldBe(SpfResult.PermError);
    }

    [Theory]
    [InlineData("v=spf1 include:example.com -all")]
    [InlineData("v=spf1 redirect=example.com")]
    [InlineData("v=spf1 include:loop.example.net -all")]
    [InlineData("v=spf1 redirect=%{d}")]
    public async Task LoopsEndInPermError(string record)
    {
        var dns = Record(record).Txt("loop.example.net", "v=spf1 include:example.com -all");
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var outcome = await new SpfEvaluator(dns, new SpfOptions()).CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "a@example.com", "h.example.org", bound.Token);
        outcome.Result.ShouldBe(SpfResult.PermError);
        dns.Queries.Count.ShouldBeLessThanOrEqualTo(12);
    }

    [Fact]
    public async Task TwoVoidLookupsAreAllowedTheThirdIsPermError()
    {
        (await Record("v=spf1 a:n1.example.net mx:n2.example.net ip4:192.0.2.1").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass);
        var three = await Record("v=spf1 a:n1.example.net mx:n2.example.net exists:n3.example.net ip4:192.0.2.1").CheckAsync("192.0.2.1", "example.com");
        three.Result.ShouldBe(SpfResult.PermError);
        three.Problem!.ShouldContain("void");

        // NODATA counts as NXDOMAIN does.
        var nodata = Record("v=spf1 a:h1.example.net a:h2.example.net a:h3.example.net ip4:192.0.2.1")
            .Host("h1.example.net", "2001:db8::1").Host("h2.example.net", "2001:db8::2").Host("h3.example.net", "2001:db8::3");
        (await nodata.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
    }

    [Fact]
    public async Task MoreThanTenMxNamesIsPermError()
    {
        static FakeDnsResolver Mx(int count) => Record("v=spf1 mx ip4:192.0.2.1")
            .Mx("example.com", Enumerable.Range(1, count).Select(i => (i, $"mx{i}.example.com")).ToArray());
        (await Mx(10).CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass);
        (await Mx(11).CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
    }

    [Fact]
    public async Task OnlyTenPtrNamesAreLookedUp()
    {
        static FakeDnsResolver Ptr(int matchAt)
        {
            var names = Enumerable.Range(1, 11).Select(i => $"h{i}.example.com").ToArray();
            var dns = Record("v=spf1 ptr -all").Ptr("192.0.2.1", names);
            foreach (var (name, i) in names.Select((n, i) => (n, i + 1)))
            {
                dns.Host(name, i == matchAt ? "192.0.2.1" : "198.51.100.1");
            }

            return dns;
        }

        (await Ptr(10).CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass);
        var eleventh = Ptr(11);
        (await eleventh.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail); // 4.6.4: names past 10 ignored
        eleventh.Queries.ShouldNotContain("A h11.example.com");
    }

    [Fact]
    public async Task HugeRecordsGiveAResult()
    {
        var ips = new StringBuilder("v=spf1");
        while (ips.Length < 65_536)
        {
            ips.Append(" ip4:198.51.100.1");
        }

        (await Record(ips + " -all").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail);
        (await Record(ips + " ip4:192.0.2.1").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Pass);
        (await Record("v=spf1 " + new string('x', 65_536)).CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
        (await Record("v=spf1 exists:" + string.Concat(Enumerable.Repeat("%{s}.", 10_000)) + "example.com -all").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.Fail);
        (await Record("v=spf1 " + string.Concat(Enumerable.Repeat("a ", 30_000)) + "-all").CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
    }

    // ---- time bound ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AHangingResolverIsTempErrorWithinTheBound(bool ignoresCancellation)
    {
        var evaluator = new SpfEvaluator(new SlowDnsResolver { IgnoresCancellation = ignoresCancellation }, new SpfOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var watch = Stopwatch.StartNew();
        var outcome = await evaluator.CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "a@example.com", "h.example.org", CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        outcome.Result.ShouldBe(SpfResult.TempError);
        outcome.Problem!.ShouldContain("longer than");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task SlowAnswersExhaustTheWholeCheckBudget()
    {
        // Each answer costs 3 s on the manual clock; 20 s of budget is spent by the 7th query and the 8th is not asked.
        var clock = new ManualTimeProvider();
        var dns = Record("v=spf1 " + string.Concat(Enumerable.Range(1, 9).Select(i => $"a:h{i}.example.net ")) + "-all");
        for (var i = 1; i <= 9; i++)
        {
            dns.Host($"h{i}.example.net", "198.51.100.1");
        }

        var slow = new SlowDnsResolver(dns, clock);
        var outcome = await new SpfEvaluator(slow, new SpfOptions(), clock).CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "a@example.com", "h.example.org", CancellationToken.None);
        outcome.Result.ShouldBe(SpfResult.TempError);
        slow.Queries.ShouldBe(7);
    }

    [Fact]
    public async Task CallerCancellationThrows()
    {
        using var cancel = new CancellationTokenSource();
        var check = new SpfEvaluator(new SlowDnsResolver(), new SpfOptions()).CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "a@example.com", "h.example.org", cancel.Token);
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => check.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
