using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Interchange.Smtp.Client;
using Interchange.Smtp.Delivery.Security;
using Interchange.Testing.Dns;
using Interchange.Transport.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// The HTTPS fetch of a policy (RFC 8461 3.3) against Python's HTTPS server on 127.0.0.156:443 (a
/// test CA's certificate, trusted by the fetcher), the name resolved by dnsmasq on 127.0.0.155: a
/// valid policy, then each way the fetch must refuse: a media type other than text/plain, a body over
/// the limit, a redirect (not followed), and a host that accepts the connection and never answers.
/// </summary>
public sealed class MtaStsFetchTests : IDisposable
{
    private const string Policy = "version: STSv1\nmode: enforce\nmx: mx.fetch.test\nmax_age: 86400\n";
    private static readonly IPAddress Dns = IPAddress.Parse("127.0.0.155");
    private static readonly IPAddress Host = IPAddress.Parse("127.0.0.156");
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Dir(string name) => Path.Combine(_scratch.Path, name);

    private async Task<MtaStsFetchResult> FetchAsync(DnsTestServer dns, TestPki pki, MtaStsOptions? options = null)
    {
        var resolver = new DnsClientResolver(new DnsOptions { UseCache = false, Servers = { dns.Server } });
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPemFile(pki.CaFile);
        using var fetcher = new MtaStsPolicyFetcher(resolver, options ?? new MtaStsOptions { FetchTimeout = TimeSpan.FromSeconds(20) }, anchors);
        return await fetcher.FetchAsync("fetch.test", CancellationToken.None);
    }

    private async Task<(DnsTestServer Dns, TestPki Pki, (string, string) Tls)> SetUpAsync()
    {
        var pki = await TestPki.CreateAsync(Dir("pki"));
        var tls = await pki.IssueAsync("policy", "mta-sts.fetch.test");
        var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Host("mta-sts.fetch.test", Host), Dns);
        return (dns, pki, tls);
    }

    [Fact]
    public async Task AValidPolicy_IsFetchedAndParsed()
    {
        var (dns, pki, tls) = await SetUpAsync();
        await using var _ = dns;
        await using var server = await MtaStsPolicyServer.StartAsync(Dir("https"), Host, tls, Policy);
        var result = await FetchAsync(dns, pki);
        result.Policy.ShouldNotBeNull(result.Detail);
        result.Policy!.Mx.ShouldBe(["mx.fetch.test"]);
        await server.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10));
        server.Fetches.ShouldBe(1);
    }

    [Theory]
    [InlineData("text/html", 200, SmtpTlsFailure.StsPolicyInvalid, "not text/plain")]
    [InlineData("text/plain", 301, SmtpTlsFailure.StsPolicyFetchError, "301")]
    [InlineData("text/plain", 404, SmtpTlsFailure.StsPolicyFetchError, "404")]
    public async Task AWrongAnswer_IsRefused(string mediaType, int status, SmtpTlsFailure failure, string detail)
    {
        var (dns, pki, tls) = await SetUpAsync();
        await using var _ = dns;
        await using var server = await MtaStsPolicyServer.StartAsync(Dir("https"), Host, tls, Policy, mediaType, status);
        var result = await FetchAsync(dns, pki);
        result.Policy.ShouldBeNull();
        result.Failure.ShouldBe(failure);
        result.Detail.ShouldContain(detail); // for the 301: the fetcher saw it, so it did not follow it (the target is a 404)
        await server.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ABodyOverTheLimit_IsRefused()
    {
        var (dns, pki, tls) = await SetUpAsync();
        await using var _ = dns;
        await using var server = await MtaStsPolicyServer.StartAsync(Dir("https"), Host, tls, Policy + "x-padding: " + new string('a', 3000) + "\n");
        var result = await FetchAsync(dns, pki, new MtaStsOptions { MaxPolicySize = 1024, FetchTimeout = TimeSpan.FromSeconds(20) });
        result.Failure.ShouldBe(SmtpTlsFailure.StsPolicyFetchError);
        result.Detail.ShouldContain("1024");
    }

    [Fact]
    public async Task AHostThatNeverAnswers_TimesOut_WithinTheBound()
    {
        var (dns, pki, _) = await SetUpAsync();
        await using var __ = dns;
        using var silent = new TcpListener(Host, 443);
        silent.Start();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await FetchAsync(dns, pki, new MtaStsOptions { FetchTimeout = TimeSpan.FromSeconds(2) });
        watch.Stop();
        result.Failure.ShouldBe(SmtpTlsFailure.StsPolicyFetchError);
        result.Detail.ShouldContain("no answer within 2 s");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15));
    }
}
