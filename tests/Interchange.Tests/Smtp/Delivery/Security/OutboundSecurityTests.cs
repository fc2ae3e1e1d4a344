using System.Net;
using System.Security.Cryptography.X509Certificates;
using Interchange.Smtp.Client;
using Interchange.Smtp.Delivery.Security;
using Interchange.Tests.TestSupport;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.Smtp.Delivery.Security;

/// <summary>Which policy a host gets: DANE first (RFC 8461 2, RFC 7672 2.2), then MTA-STS (RFC 8461 4, 5), then the route's.</summary>
public sealed class OutboundSecurityTests
{
    private static readonly DnsTlsaRecord Usable = new(3, 1, 1, new byte[32]);
    private readonly FakeDnsResolver _dns = new();
    private readonly ManualTimeProvider _clock = new();

    private static DeliveryRoute Route(bool authenticated, params DeliveryTarget[] targets) => DeliveryRoute.To(targets, [], authenticated);

    private static DeliveryTarget Target(string host, bool authenticated) => new(host, 10, [IPAddress.Loopback], 25) { Authenticated = authenticated };

    private OutboundSecurity Security(string? policy, bool dane = true)
    {
        MtaStsPolicySource? source = null;
        if (policy is not null)
        {
            _dns.Answer("_mta-sts.example.org", "TXT", DnsLookup<string>.Found(["v=STSv1; id=1"]));
            MtaStsPolicy.TryParse(policy, out var parsed, out var error).ShouldBeTrue(error);
            source = new MtaStsPolicySource(_dns, new Fixed(parsed!), new MtaStsPolicyCache(null, _clock), new MtaStsOptions(), _clock);
        }

        return new OutboundSecurity(_dns, source, dane, new X509Certificate2Collection());
    }

    private async Task<HostTlsPolicy> HostAsync(OutboundSecurity security, bool mxSecure, DeliveryTarget target, SmtpTlsMode mode = SmtpTlsMode.May)
    {
        var domain = await security.ForDomainAsync("example.org", Route(mxSecure, target), CancellationToken.None);
        return await security.ForHostAsync(domain, target, mode, CancellationToken.None);
    }

    [Fact]
    public async Task ValidatedTlsa_ForAValidatedHost_IsDane_AndTakesPrecedenceOverMtaSts()
    {
        _dns.Answer("_25._tcp.mx.example.org", "TLSA", DnsLookup<DnsTlsaRecord>.Found([Usable, new DnsTlsaRecord(1, 1, 1, new byte[32])], authenticated: true));
        var security = Security("version: STSv1\nmode: enforce\nmx: other.example.org\nmax_age: 600\n");

        var host = await HostAsync(security, mxSecure: true, Target("mx.example.org", true));

        host.Kind.ShouldBe(TlsPolicyKind.Dane);
        host.Refusal.ShouldBeNull(); // not an mx of the MTA-STS policy, but DANE decides
        host.Tlsa.ShouldBe([Usable]); // the PKIX-EE record is dropped (RFC 7672 3.1.3)
        var options = host.Apply(new SmtpClientOptions { TlsMode = SmtpTlsMode.May });
        options.TlsMode.ShouldBe(SmtpTlsMode.Verify);
        options.PeerValidator.ShouldBeOfType<DaneValidator>();
    }

    [Theory]
    [InlineData(false, true, true)] // MX answer not validated
    [InlineData(true, false, true)] // address records not validated
    [InlineData(true, true, false)] // TLSA answer not validated
    public async Task AnythingUnvalidated_MeansNoDane(bool mxSecure, bool addressSecure, bool tlsaSecure)
    {
        _dns.Answer("_25._tcp.mx.example.org", "TLSA", DnsLookup<DnsTlsaRecord>.Found([Usable], authenticated: tlsaSecure));
        var host = await HostAsync(Security(null), mxSecure, Target("mx.example.org", addressSecure));
        host.Kind.ShouldBe(TlsPolicyKind.Opportunistic);
        host.Apply(new SmtpClientOptions()).TlsMode.ShouldBe(SmtpTlsMode.May);
    }

    [Fact]
    public async Task DaneSwitchedOff_MeansNoTlsaLookup()
    {
        _dns.Answer("_25._tcp.mx.example.org", "TLSA", DnsLookup<DnsTlsaRecord>.Found([Usable], authenticated: true));
        var host = await HostAsync(Security(null, dane: false), true, Target("mx.example.org", true));
        host.Kind.ShouldBe(TlsPolicyKind.Opportunistic);
        _dns.Queries.ShouldNotContain(q => q.StartsWith("TLSA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailedTlsaLookup_RulesTheHostOut_DnssecInvalid()
    {
        _dns.Answer("_25._tcp.mx.example.org", "TLSA", DnsLookup<DnsTlsaRecord>.TemporaryFailure("SERVFAIL"));
        var host = await HostAsync(Security(null), true, Target("mx.example.org", true));
        host.Refusal.ShouldNotBeNull();
        host.Refusal!.Failure.ShouldBe(SmtpTlsFailure.DnssecInvalid);
        host.Refused().Result.ShouldBe(TlsSessionResult.Failed);
    }

    [Fact]
    public async Task OnlyUnusableTlsa_RequiresTls_Unauthenticated_AndNotesTlsaInvalid()
    {
        _dns.Answer("_25._tcp.mx.example.org", "TLSA", DnsLookup<DnsTlsaRecord>.Found([new DnsTlsaRecord(0, 0, 1, new byte[32])], authenticated: true));
        var host = await HostAsync(Security(null), true, Target("mx.example.org", true));
        host.Kind.ShouldBe(TlsPolicyKind.Dane);
        host.Refusal.ShouldBeNull();
        host.Noted!.Failure.ShouldBe(SmtpTlsFailure.TlsaInvalid);
        host.Apply(new SmtpClientOptions()).TlsMode.ShouldBe(SmtpTlsMode.Encrypt);
    }

    [Fact]
    public async Task MtaStsEnforce_VerifiesMatchingHosts_AndRulesOutOthers()
    {
        var security = Security("version: STSv1\nmode: enforce\nmx: *.example.org\nmax_age: 600\n");
        var matching = await HostAsync(security, false, Target("mx1.example.org", false));
        matching.Kind.ShouldBe(TlsPolicyKind.MtaSts);
        matching.Refusal.ShouldBeNull();
        matching.Apply(new SmtpClientOptions()).TlsMode.ShouldBe(SmtpTlsMode.Verify);

        var other = await HostAsync(security, false, Target("mx.elsewhere.net", false));
        other.Refusal!.Failure.ShouldBe(SmtpTlsFailure.StsPolicyInvalid);
    }

    [Fact]
    public async Task MtaStsTesting_NeverRulesOutOrRequires()
    {
        var security = Security("version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 600\n");
        var other = await HostAsync(security, false, Target("mx.elsewhere.net", false));
        other.Kind.ShouldBe(TlsPolicyKind.MtaStsTesting);
        other.Refusal.ShouldBeNull();
        other.MatchesPolicy.ShouldBeFalse();
        other.Apply(new SmtpClientOptions { TlsMode = SmtpTlsMode.May }).TlsMode.ShouldBe(SmtpTlsMode.May);
    }

    [Fact]
    public async Task ARouteThatRequiresTls_IsRequired_WithoutPolicies()
    {
        var host = await HostAsync(Security(null), false, Target("mx.example.org", false), SmtpTlsMode.Encrypt);
        host.Kind.ShouldBe(TlsPolicyKind.Required);
        host.Apply(new SmtpClientOptions { TlsMode = SmtpTlsMode.Encrypt }).TlsMode.ShouldBe(SmtpTlsMode.Encrypt);
    }

    private sealed class Fixed(MtaStsPolicy policy) : IMtaStsPolicyFetcher
    {
        public Task<MtaStsFetchResult> FetchAsync(string domain, CancellationToken cancellationToken) => Task.FromResult(MtaStsFetchResult.Fetched(policy));
    }
}
