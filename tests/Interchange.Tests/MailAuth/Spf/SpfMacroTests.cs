using Interchange.MailAuth.Spf;
using Interchange.Tests.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.MailAuth.Spf;

/// <summary>The macro language (RFC 7208 7), every example of 7.4 among them.</summary>
public sealed class SpfMacroTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static SpfMacroValues V4 => new(
        "strong-bad@email.example.com", "strong-bad", "email.example.com", "192.0.2.3", "192.0.2.3", false, "mx.example.org", "mx.example.net", Now);

    private static SpfMacroValues V6 => new(
        "strong-bad@email.example.com", "strong-bad", "email.example.com",
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2",
        "2001:db8::cb01", true, "mx.example.org", "mx.example.net", Now);

    private static Task<string> Expand(string text, SpfMacroValues values, bool explanation = false) =>
        SpfMacro.ExpandAsync(text, values, "email.example.com", explanation, () => ValueTask.FromResult("mx.example.com")).AsTask();

    // RFC 7208 7.4, sender strong-bad@email.example.com, IPv4 client 192.0.2.3.
    [Theory]
    [InlineData("%{s}", "strong-bad@email.example.com")]
    [InlineData("%{o}", "email.example.com")]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    public async Task Rfc7208Section74Examples(string macro, string expected)
    {
        SpfMacro.IsValid(macro, explanation: false).ShouldBeTrue();
        (await Expand(macro, V4)).ShouldBe(expected);
    }

    [Fact]
    public async Task Rfc7208Section74Ipv6Example()
    {
        // Built from a real check so %{i} comes from the evaluator's own nibble form.
        var dns = new FakeDnsResolver()
            .Txt("email.example.com", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all")
            .Host("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", "127.0.0.2");
        var outcome = await dns.CheckAsync("2001:db8::cb01", "email.example.com");
        outcome.Result.ShouldBe(SpfResult.Pass, outcome.Problem);
        dns.Queries.ShouldContain("A 1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
    }

    [Theory]
    [InlineData("%%", "%")]
    [InlineData("a%_b", "a b")]
    [InlineData("a%-b", "a%20b")]
    [InlineData("%{L}", "strong-bad")] // nothing to escape
    [InlineData("%{S}", "strong-bad%40email.example.com")] // 7.3: upper case is URL-escaped
    [InlineData("%{h}", "mx.example.org")]
    [InlineData("%{p}", "mx.example.com")]
    [InlineData("%{v}", "in-addr")]
    [InlineData("%{d9}", "email.example.com")] // more parts asked than there are
    [InlineData("%{l2-}", "strong.bad")]
    [InlineData("%{s-.}", "strong.bad@email.example.com")] // any listed delimiter splits; "." joins
    [InlineData("%{s2r-.}", "bad@email.strong")]
    public async Task TransformersDelimitersAndEscapes(string macro, string expected)
    {
        SpfMacro.IsValid(macro, explanation: false).ShouldBeTrue();
        (await Expand(macro, V4)).ShouldBe(expected);
    }

    [Theory]
    [InlineData("%{c}", "192.0.2.3")]
    [InlineData("%{r}", "mx.example.net")]
    [InlineData("%{t}", "1700000000")]
    [InlineData("%{i} is not allowed", "192.0.2.3 is not allowed")]
    public async Task ExplanationOnlyLetters(string macro, string expected)
    {
        // 7.3: c, r and t are for exp= text only.
        SpfMacro.IsValid(macro, explanation: false).ShouldBeFalse();
        SpfMacro.IsValid(macro, explanation: true).ShouldBeTrue();
        (await Expand(macro, V4, explanation: true)).ShouldBe(expected);
    }

    [Fact]
    public async Task Ipv6ClientReadableAndVersion()
    {
        (await Expand("%{c} %{v} %{ir}", V6, explanation: true)).ShouldBe("2001:db8::cb01 ip6 2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%x")]
    [InlineData("%{")]
    [InlineData("%{s")]
    [InlineData("%{x}")]
    [InlineData("%{d0}")] // 7.1: a DIGIT transformer MUST be nonzero
    [InlineData("%{d00}")]
    [InlineData("%{d2r2}")]
    [InlineData("%{d:}")] // ":" is no delimiter
    [InlineData("a b")] // no space in a domain-spec
    [InlineData("é")]
    public void SyntaxErrors(string macro) => SpfMacro.IsValid(macro, explanation: false).ShouldBeFalse();

    [Fact]
    public async Task MacroSyntaxErrorInARecordIsPermError()
    {
        var dns = new FakeDnsResolver().Txt("example.com", "v=spf1 a:%{x}.example.com -all");
        (await dns.CheckAsync("192.0.2.1", "example.com")).Result.ShouldBe(SpfResult.PermError);
    }

    [Fact]
    public async Task ExpandedNameOver253IsTruncatedFromTheLeft()
    {
        // 7.3: labels are removed from the left until the name fits in 253 characters.
        var local = string.Join('.', Enumerable.Repeat("abcdefghij", 30));
        var dns = new FakeDnsResolver().Txt("example.com", "v=spf1 exists:%{l}.example.com -all");
        await dns.CheckAsync("192.0.2.1", "example.com", sender: local + "@example.com");
        var query = dns.Queries.Single(q => q.StartsWith("A ", StringComparison.Ordinal))[2..];
        query.Length.ShouldBeLessThanOrEqualTo(253);
        query.ShouldEndWith("abcdefghij.abcdefghij.example.com");
        query.ShouldStartWith("abcdefghij.");
    }

    [Fact]
    public async Task ValidatedNameMacroPrefersTheDomainAndIsUnknownWithoutPtr()
    {
        var dns = new FakeDnsResolver()
            .Txt("example.com", "v=spf1 exists:%{p}.names.example.com -all")
            .Ptr("192.0.2.5", "other.example.net", "mail.example.com")
            .Host("other.example.net", "192.0.2.5")
            .Host("mail.example.com", "192.0.2.5")
            .Host("mail.example.com.names.example.com", "127.0.0.2");
        (await dns.CheckAsync("192.0.2.5", "example.com")).Result.ShouldBe(SpfResult.Pass);

        var none = new FakeDnsResolver()
            .Txt("example.com", "v=spf1 exists:%{p}.names.example.com -all")
            .Host("unknown.names.example.com", "127.0.0.2");
        (await none.CheckAsync("192.0.2.5", "example.com")).Result.ShouldBe(SpfResult.Pass);
    }
}
