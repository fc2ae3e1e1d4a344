using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Interchange.MailAuth.Spf;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.MailAuth.Spf;

/// <summary>Random records and macros, built from the grammar's own pieces and from junk: a check never
/// throws, always ends within its bounds, and never asks DNS more than the 4.6.4 limits allow.</summary>
public sealed class SpfPropertyTests
{
    private static readonly string[] Terms =
    [
        "all", "+all", "-all", "~all", "?all", "a", "a/24", "a//64", "a/24//64", "a:%{d}", "a:h.example.com", "mx", "mx/30", "mx:example.com",
        "ptr", "ptr:example.com", "ip4:192.0.2.0/24", "ip4:192.0.2.1", "ip6:2001:db8::/32", "exists:%{ir}.%{v}.x.example.com",
        "exists:%{l}.%{o}", "include:example.com", "include:inc.example.com", "include:%{d2}", "redirect=example.com",
        "redirect=red.example.com", "exp=exp.example.com", "exp=%{d}", "foo=bar", "%{s}", "%{d0}", "%", "%{x}", "a:", "ip4:1.2.3",
        "ip4:192.0.2.0/33", "=", "v=spf1", "include:%{p}.example.com", "exists:%{S}.%{H}.%{I}.example.com", "a:%{d}.%{d}.%{d}.%{d}.%{d}.%{d}",
        "mx:%{l}.example.com/0//0", "\u00e9", "\t", "ptr:%{d3r-}",
    ];

    private static FakeDnsResolver Zone(string record, string included, string redirected)
    {
        // Every record is self-referential somewhere, so loops are common; the zone answers all three names.
        return new FakeDnsResolver()
            .Txt("example.com", record)
            .Txt("inc.example.com", included)
            .Txt("red.example.com", redirected)
            .Txt("exp.example.com", "%{c} %{r} %{t} %{i} %{p} %{S}")
            .Host("example.com", "192.0.2.10", "2001:db8::10")
            .Host("h.example.com", "192.0.2.1")
            .Mx("example.com", (10, "h.example.com"), (20, "example.com"))
            .Ptr("192.0.2.1", "h.example.com", "example.com")
            .Answer("down.example.com", "TXT", DnsLookup<string>.TemporaryFailure("SERVFAIL"));
    }

    [Fact]
    public void RandomRecordsNeverThrowAndStayWithinTheLimits()
    {
        var term = Gen.Elements(Terms);
        var record = Gen.Choose(0, 25).SelectMany(n => Gen.ArrayOf(term, n))
            .SelectMany(t => Gen.Elements("v=spf1 ", "v=spf1  ", "V=SPF1 ", "v=spf1").Select(v => v + string.Join(' ', t)));
        var clients = Gen.Elements("192.0.2.1", "192.0.2.10", "2001:db8::10", "::ffff:192.0.2.1", "198.51.100.7");
        var cases = record.SelectMany(r => record.SelectMany(i => record.SelectMany(d => clients.Select(c => (r, i, d, c)))));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1500), Prop.ForAll(cases.ToArbitrary(), input =>
        {
            var (r, i, d, c) = input;
            var dns = Zone(r, i, d);
            var outcome = new SpfEvaluator(dns, new SpfOptions())
                .CheckHostAsync(IPAddress.Parse(c), "example.com", "strong-bad@example.com", "h.example.com", CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            Enum.IsDefined(outcome.Result).ShouldBeTrue();

            // 10 terms, each with at most one query of its own, plus MX hosts (10) or PTR names (10) and the
            // record lookups of include/redirect, the explanation and %{p}: far below 100 in any case.
            dns.Queries.Count.ShouldBeLessThan(100, $"{r} | {i} | {d} | {c}");
        }));
    }

    [Fact]
    public void RandomMacroStringsNeverThrow()
    {
        var piece = Gen.Elements("%{", "}", "%", "s", "l", "o", "d", "i", "p", "v", "h", "c", "r", "t", "S", "I", "0", "1", "9", "99999999999", "r", ".", "-", "+", ",", "/", "_", "=", "x", " ", "%%", "%_", "%-", "é", "@");
        var text = Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(piece, n)).Select(p => string.Concat(p));
        var values = new SpfMacroValues("a.b-c@d.e.f", "a.b-c", "d.e.f", "192.0.2.1", "192.0.2.1", false, "h.example.com", "r.example.com", DateTimeOffset.UnixEpoch);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(5000), Prop.ForAll(text.ToArbitrary(), macro =>
        {
            foreach (var explanation in new[] { false, true })
            {
                if (SpfMacro.IsValid(macro, explanation))
                {
                    var expanded = SpfMacro.ExpandAsync(macro, values, "d.e.f", explanation, () => ValueTask.FromResult("unknown")).AsTask().GetAwaiter().GetResult();
                    expanded.ShouldNotBeNull();
                }
            }

            SpfRecord.IsDomainSpec(macro);
            SpfRecord.Parse("v=spf1 " + macro, out _);
        }));
    }
}
