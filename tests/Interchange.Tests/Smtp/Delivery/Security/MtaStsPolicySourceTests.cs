using Interchange.Smtp.Client;
using Interchange.Smtp.Delivery.Security;
using Interchange.Tests.TestSupport;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.Smtp.Delivery.Security;

/// <summary>Discovery, fetch and cache (RFC 8461 3.3, 5.1) on a fake clock, with fake DNS and a fake HTTPS fetch.</summary>
public sealed class MtaStsPolicySourceTests : IDisposable
{
    private const string Enforce = "version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 3600\n";
    private readonly ManualTimeProvider _clock = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mtasts-" + Guid.NewGuid().ToString("N"));
    private readonly FakeDnsResolver _dns = new();
    private readonly FakeFetcher _fetcher = new();

    public void Dispose()
    {
        if (System.IO.Directory.Exists(_folder))
        {
            System.IO.Directory.Delete(_folder, recursive: true);
        }
    }

    private MtaStsPolicySource Source(MtaStsOptions? options = null) =>
        new(_dns, _fetcher, new MtaStsPolicyCache(_folder, _clock), options ?? new MtaStsOptions { FetchFailureBackoff = TimeSpan.Zero }, _clock);

    private void Txt(string id) => _dns.Answer("_mta-sts.example.org", "TXT", DnsLookup<string>.Found([$"v=STSv1; id={id}"]));

    private void NoTxt() => _dns.Answer("_mta-sts.example.org", "TXT", DnsLookup<string>.NoSuchDomain("NXDOMAIN"));

    [Fact]
    public async Task APolicy_IsFetchedOnce_ThenServedFromTheCache_WhileTheIdStays()
    {
        Txt("one");
        _fetcher.Serve(Enforce);
        var source = Source();

        var first = await source.GetAsync("example.org", CancellationToken.None);
        var second = await source.GetAsync("Example.ORG.", CancellationToken.None);

        first.Applies.ShouldBeTrue(first.Detail);
        first.Policy!.Policy.Mode.ShouldBe(MtaStsMode.Enforce);
        second.Policy.ShouldBeSameAs(first.Policy);
        _fetcher.Fetches.ShouldBe(1);
    }

    [Fact]
    public async Task ANewId_FetchesAgain()
    {
        Txt("one");
        _fetcher.Serve(Enforce);
        var source = Source();
        await source.GetAsync("example.org", CancellationToken.None);

        Txt("two");
        _fetcher.Serve(Enforce.Replace("enforce", "testing", StringComparison.Ordinal));
        var changed = await source.GetAsync("example.org", CancellationToken.None);

        _fetcher.Fetches.ShouldBe(2);
        changed.Policy!.Id.ShouldBe("two");
        changed.Policy.Policy.Mode.ShouldBe(MtaStsMode.Testing);
    }

    [Fact]
    public async Task WithTheTxtRecordGone_TheCachedPolicyStillApplies_UntilMaxAge()
    {
        // RFC 8461 3.3/5.1: stripping the TXT record must not downgrade a cached policy; max_age ends it.
        Txt("one");
        _fetcher.Serve(Enforce);
        var source = Source();
        await source.GetAsync("example.org", CancellationToken.None);

        NoTxt();
        _clock.Advance(TimeSpan.FromSeconds(3599));
        (await source.GetAsync("example.org", CancellationToken.None)).Applies.ShouldBeTrue();

        _clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await source.GetAsync("example.org", CancellationToken.None);
        expired.Applies.ShouldBeFalse();
        expired.Policy.ShouldBeNull();
        System.IO.Directory.GetFiles(_folder).ShouldBeEmpty();
    }

    [Fact]
    public async Task AFailedFetch_KeepsTheCachedPolicy_AndReportsTheFailure()
    {
        Txt("one");
        _fetcher.Serve(Enforce);
        var source = Source();
        await source.GetAsync("example.org", CancellationToken.None);

        Txt("two");
        _fetcher.Fail(SmtpTlsFailure.StsWebpkiInvalid);
        var lookup = await source.GetAsync("example.org", CancellationToken.None);

        lookup.Policy!.Id.ShouldBe("one");
        lookup.Applies.ShouldBeTrue();
        lookup.Failure.ShouldBe(SmtpTlsFailure.StsWebpkiInvalid);
    }

    [Fact]
    public async Task AFailedFetch_WithNothingCached_MeansNoPolicy_AndIsNotRetriedWithinTheBackoff()
    {
        Txt("one");
        _fetcher.Fail(SmtpTlsFailure.StsPolicyFetchError);
        var source = Source(new MtaStsOptions { FetchFailureBackoff = TimeSpan.FromMinutes(5) });

        var first = await source.GetAsync("example.org", CancellationToken.None);
        first.Applies.ShouldBeFalse();
        first.Failure.ShouldBe(SmtpTlsFailure.StsPolicyFetchError);
        (await source.GetAsync("example.org", CancellationToken.None)).Failure.ShouldBe(SmtpTlsFailure.StsPolicyFetchError);
        _fetcher.Fetches.ShouldBe(1);

        _clock.Advance(TimeSpan.FromMinutes(5));
        _fetcher.Serve(Enforce);
        (await source.GetAsync("example.org", CancellationToken.None)).Applies.ShouldBeTrue();
        _fetcher.Fetches.ShouldBe(2);
    }

    [Fact]
    public async Task AnInvalidTxtRecord_IsNoPolicy_AndNothingIsFetched()
    {
        _dns.Answer("_mta-sts.example.org", "TXT", DnsLookup<string>.Found(["v=STSv1; id=a", "v=STSv1; id=b"]));
        var lookup = await Source().GetAsync("example.org", CancellationToken.None);
        lookup.Policy.ShouldBeNull();
        _fetcher.Fetches.ShouldBe(0);
    }

    [Fact]
    public async Task ModeNone_IsCached_ButDoesNotApply()
    {
        Txt("one");
        _fetcher.Serve("version: STSv1\nmode: none\nmax_age: 86400\n");
        var lookup = await Source().GetAsync("example.org", CancellationToken.None);
        lookup.Policy.ShouldNotBeNull();
        lookup.Applies.ShouldBeFalse();
    }

    [Fact]
    public async Task ARestart_KeepsThePolicy_FromTheFolder_UntilItsMaxAge()
    {
        Txt("one");
        _fetcher.Serve(Enforce);
        await Source().GetAsync("example.org", CancellationToken.None);
        System.IO.Directory.GetFiles(_folder, "*.json").Length.ShouldBe(1);

        // A new process: a new cache on the same folder, the TXT record stripped, the HTTPS host unreachable.
        NoTxt();
        _fetcher.Fail(SmtpTlsFailure.StsPolicyFetchError);
        _clock.Advance(TimeSpan.FromMinutes(30));
        var restarted = Source();
        var lookup = await restarted.GetAsync("example.org", CancellationToken.None);
        lookup.Applies.ShouldBeTrue(lookup.Detail);
        lookup.Policy!.Policy.Mx.ShouldBe(["mx.example.org"]);

        // Past max_age the file is not even loaded, and is removed.
        _clock.Advance(TimeSpan.FromMinutes(31));
        var later = new MtaStsPolicyCache(_folder, _clock);
        later.Count.ShouldBe(0);
        System.IO.Directory.GetFiles(_folder, "*.json").ShouldBeEmpty();
    }

    [Fact]
    public async Task ConcurrentDeliveries_ShareOneFetch()
    {
        Txt("one");
        var gate = new TaskCompletionSource<MtaStsFetchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _fetcher.Pending = gate.Task;
        var source = Source();
        var lookups = Enumerable.Range(0, 16).Select(_ => source.GetAsync("example.org", CancellationToken.None)).ToArray();
        MtaStsPolicy.TryParse(Enforce, out var policy, out _).ShouldBeTrue();
        gate.SetResult(MtaStsFetchResult.Fetched(policy!));
        var results = await Task.WhenAll(lookups);
        results.ShouldAllBe(r => r.Applies);
        _fetcher.Fetches.ShouldBe(1);
    }

    private sealed class FakeFetcher : IMtaStsPolicyFetcher
    {
        private MtaStsFetchResult _next = MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyFetchError, "nothing served");
        private int _fetches;

        public int Fetches => Volatile.Read(ref _fetches);

        public Task<MtaStsFetchResult>? Pending { get; set; }

        public void Serve(string text)
        {
            MtaStsPolicy.TryParse(text, out var policy, out var error).ShouldBeTrue(error);
            _next = MtaStsFetchResult.Fetched(policy!);
        }

        public void Fail(SmtpTlsFailure failure) => _next = MtaStsFetchResult.Failed(failure, "fake failure");

        public Task<MtaStsFetchResult> FetchAsync(string domain, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _fetches);
            return Pending ?? Task.FromResult(_next);
        }
    }
}
