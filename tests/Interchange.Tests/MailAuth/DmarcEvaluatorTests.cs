using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Spf;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using MimeKit;
using Shouldly;

namespace Interchange.Tests.MailAuth;

public sealed class DmarcEvaluatorTests
{
    private static readonly PublicSuffixList Suffixes = PublicSuffixList.Parse(["com", "uk", "co.uk", "org"]);

    private static DmarcEvaluator Evaluator(IDnsResolver dns, int draw = 0) => new(dns, Suffixes, new DmarcOptions(), () => draw);

    private static SpfOutcome SpfPass(string domain) => new(SpfResult.Pass, "mailfrom", domain, "bounce@" + domain);

    private static DkimSignatureResult DkimPass(string domain) => new(DkimResult.Pass, domain, "sel", null, "rsa-sha256", "abcdefgh");

    private static Task<DmarcOutcome> EvaluateAsync(DmarcEvaluator evaluator, string from, SpfOutcome? spf, params DkimSignatureResult[] dkim) =>
        evaluator.EvaluateAsync(TestKeys.Message(from), spf, dkim, CancellationToken.None);

    [Fact]
    public async Task An_aligned_SPF_pass_passes_and_asks_nothing()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");

        var outcome = await EvaluateAsync(Evaluator(dns), "a@example.com", SpfPass("mail.example.com"));

        outcome.Result.ShouldBe(DmarcResult.Pass);
        outcome.SpfAligned.ShouldBeTrue();
        outcome.Policy.ShouldBe(DmarcPolicy.Reject);
        outcome.Disposition.ShouldBe(DmarcPolicy.None);
    }

    [Fact]
    public async Task An_aligned_DKIM_pass_passes_even_when_SPF_fails()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");

        var outcome = await EvaluateAsync(Evaluator(dns), "a@example.com", new SpfOutcome(SpfResult.Fail, "mailfrom", "other.org", "x@other.org"), DkimPass("example.com"));

        outcome.Result.ShouldBe(DmarcResult.Pass);
        outcome.DkimAligned.ShouldBeTrue();
        outcome.SpfAligned.ShouldBeFalse();
    }

    [Theory]
    [InlineData("none", DmarcPolicy.None)]
    [InlineData("quarantine", DmarcPolicy.Quarantine)]
    [InlineData("reject", DmarcPolicy.Reject)]
    public async Task A_failure_gets_the_published_policy(string p, DmarcPolicy expected)
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", $"v=DMARC1; p={p}");

        var outcome = await EvaluateAsync(Evaluator(dns), "a@example.com", SpfPass("other.org"), DkimPass("other.org"), new DkimSignatureResult(DkimResult.Fail, "example.com", "s", null, null, null));

        outcome.Result.ShouldBe(DmarcResult.Fail);
        outcome.Disposition.ShouldBe(expected);
    }

    [Fact]
    public async Task Strict_alignment_needs_the_exact_domain_relaxed_the_organisational_one()
    {
        var strict = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject; aspf=s; adkim=s");
        var relaxed = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");

        (await EvaluateAsync(Evaluator(strict), "a@example.com", SpfPass("mail.example.com"), DkimPass("news.example.com"))).Result.ShouldBe(DmarcResult.Fail);
        (await EvaluateAsync(Evaluator(relaxed), "a@example.com", SpfPass("mail.example.com"))).Result.ShouldBe(DmarcResult.Pass);
        (await EvaluateAsync(Evaluator(relaxed), "a@example.com", null, DkimPass("news.example.com"))).Result.ShouldBe(DmarcResult.Pass);
        (await EvaluateAsync(Evaluator(strict), "a@example.com", SpfPass("example.com"))).Result.ShouldBe(DmarcResult.Pass);
        (await EvaluateAsync(Evaluator(strict), "a@example.com", null, DkimPass("EXAMPLE.com"))).Result.ShouldBe(DmarcResult.Pass);
    }

    [Fact]
    public async Task A_subdomain_without_its_own_record_gets_sp_from_the_organisational_domain()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.co.uk", "v=DMARC1; p=reject; sp=quarantine");

        var outcome = await EvaluateAsync(Evaluator(dns), "a@a.b.example.co.uk", null);

        dns.Queries.ShouldBe(["TXT _dmarc.a.b.example.co.uk", "TXT _dmarc.example.co.uk"]);
        outcome.OrganizationalDomain.ShouldBe("example.co.uk");
        outcome.RecordDomain.ShouldBe("example.co.uk");
        outcome.Result.ShouldBe(DmarcResult.Fail);
        outcome.Policy.ShouldBe(DmarcPolicy.Quarantine);
        outcome.Disposition.ShouldBe(DmarcPolicy.Quarantine);
    }

    [Fact]
    public async Task A_subdomain_with_its_own_record_gets_its_p_and_without_sp_the_organisations_p()
    {
        var own = new FakeDnsResolver().Publish("_dmarc.news.example.com", "v=DMARC1; p=none").Publish("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
        var inherited = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");

        (await EvaluateAsync(Evaluator(own), "a@news.example.com", null)).Disposition.ShouldBe(DmarcPolicy.None);
        (await EvaluateAsync(Evaluator(inherited), "a@news.example.com", null)).Disposition.ShouldBe(DmarcPolicy.Reject);
    }

    [Theory]
    [InlineData(0, DmarcPolicy.Reject)]
    [InlineData(24, DmarcPolicy.Reject)]
    [InlineData(25, DmarcPolicy.Quarantine)]
    [InlineData(99, DmarcPolicy.Quarantine)]
    public async Task Pct_applies_reject_to_the_sampled_share_and_quarantine_to_the_rest(int draw, DmarcPolicy expected)
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject; pct=25");

        (await EvaluateAsync(Evaluator(dns, draw), "a@example.com", null)).Disposition.ShouldBe(expected);
    }

    [Theory]
    [InlineData(9, DmarcPolicy.Quarantine)]
    [InlineData(10, DmarcPolicy.None)]
    public async Task Pct_below_quarantine_is_none(int draw, DmarcPolicy expected)
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=10");

        (await EvaluateAsync(Evaluator(dns, draw), "a@example.com", null)).Disposition.ShouldBe(expected);
    }

    [Fact]
    public async Task No_record_anywhere_is_none()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=spf1 -all");

        var outcome = await EvaluateAsync(Evaluator(dns), "a@example.com", null);

        outcome.Result.ShouldBe(DmarcResult.None);
        outcome.Disposition.ShouldBe(DmarcPolicy.None);
    }

    [Fact]
    public async Task Two_records_end_discovery_with_none()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject", "v=DMARC1; p=none");

        (await EvaluateAsync(Evaluator(dns), "a@example.com", null)).Result.ShouldBe(DmarcResult.None);
    }

    [Fact]
    public async Task A_record_without_p_but_with_rua_counts_as_p_none()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; rua=mailto:d@example.com");

        var outcome = await EvaluateAsync(Evaluator(dns), "a@example.com", null);

        outcome.Result.ShouldBe(DmarcResult.Fail);
        outcome.Record!.PolicyFromRua.ShouldBeTrue();
        outcome.Disposition.ShouldBe(DmarcPolicy.None);
    }

    [Fact]
    public async Task A_DNS_failure_is_temperror()
    {
        var dns = new FakeDnsResolver().Answer("_dmarc.example.com", "TXT", DnsLookup<string>.TemporaryFailure("SERVFAIL"));

        (await EvaluateAsync(Evaluator(dns), "a@example.com", null)).Result.ShouldBe(DmarcResult.TempError);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_is_temperror_after_the_timeout()
    {
        var evaluator = new DmarcEvaluator(new SlowDnsResolver(), Suffixes, new DmarcOptions { LookupTimeout = TimeSpan.FromMilliseconds(100) });

        var outcome = await EvaluateAsync(evaluator, "a@example.com", null).WaitAsync(TimeSpan.FromSeconds(30));

        outcome.Result.ShouldBe(DmarcResult.TempError);
    }

    [Theory]
    [InlineData("a@example.com, b@other.org", "several domains")]
    [InlineData("undisclosed-recipients:;", "no address")]
    public async Task A_From_field_without_one_author_domain_is_permerror(string from, string reason)
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");

        var outcome = await EvaluateAsync(Evaluator(dns), from, SpfPass("example.com"));

        outcome.Result.ShouldBe(DmarcResult.PermError);
        outcome.Reason!.ShouldContain(reason);
        outcome.Disposition.ShouldBe(DmarcPolicy.None);
        dns.Queries.ShouldBeEmpty();
    }

    [Fact]
    public async Task Two_authors_of_one_domain_are_evaluated_for_it()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");

        (await EvaluateAsync(Evaluator(dns), "a@example.com, b@Example.com", SpfPass("example.com"))).Result.ShouldBe(DmarcResult.Pass);
    }

    [Fact]
    public async Task Two_From_fields_or_none_are_permerror()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");
        var two = TestKeys.Message("a@example.com");
        two.Headers.Add(new Header("From", "b@example.com"));
        var none = TestKeys.Message();
        none.Headers.RemoveAll(HeaderId.From);

        (await Evaluator(dns).EvaluateAsync(two, null, [], CancellationToken.None)).Result.ShouldBe(DmarcResult.PermError);
        (await Evaluator(dns).EvaluateAsync(none, null, [], CancellationToken.None)).Result.ShouldBe(DmarcResult.PermError);
    }

    [Theory]
    [InlineData("v=DMARC1; p=reject; sp=none; pct=50; adkim=s; aspf=r; rua=mailto:a@x.org,mailto:b@y.org; ruf=mailto:f@x.org; fo=1; ri=3600",
        DmarcPolicy.Reject, DmarcPolicy.None, 50, DmarcAlignment.Strict, 2)]
    [InlineData("v=DMARC1;p=quarantine", DmarcPolicy.Quarantine, DmarcPolicy.Quarantine, 100, DmarcAlignment.Relaxed, 0)]
    [InlineData("v=DMARC1; p=none; pct=500; adkim=x", DmarcPolicy.None, DmarcPolicy.None, 100, DmarcAlignment.Relaxed, 0)]
    public void Records_are_read_with_the_RFC_defaults(string text, DmarcPolicy p, DmarcPolicy sp, int pct, DmarcAlignment adkim, int rua)
    {
        var record = DmarcRecord.Parse(text, out var problem).ShouldNotBeNull(problem);

        record.Policy.ShouldBe(p);
        record.SubdomainPolicy.ShouldBe(sp);
        record.Percent.ShouldBe(pct);
        record.DkimAlignment.ShouldBe(adkim);
        record.AggregateReportUris.Count.ShouldBe(rua);
    }

    [Theory]
    [InlineData("p=reject; v=DMARC1")]
    [InlineData("v=DMARC2; p=reject")]
    [InlineData("v=DMARC1; p=sometimes")]
    [InlineData("v=DMARC1; p=reject; p=none")]
    public void Records_that_cannot_be_used_are_refused(string text) => DmarcRecord.Parse(text, out _).ShouldBeNull();
}
