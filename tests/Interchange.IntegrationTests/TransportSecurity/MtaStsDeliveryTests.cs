using System.Net;
using Interchange.IntegrationTests.Delivery;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// MTA-STS (RFC 8461) end to end: the policy is served over HTTPS by Python on 127.0.0.151:443 with a
/// certificate from a test CA (openssl) that Interchange is told to trust; dnsmasq on 127.0.0.150
/// serves the MX, the policy host and the <c>_mta-sts</c> TXT record; Postfix on 127.0.0.152 is the
/// MX, with a certificate for its name, for another name, or no STARTTLS at all.
/// </summary>
public sealed class MtaStsDeliveryTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly IPAddress Dns = IPAddress.Parse("127.0.0.150");
    private static readonly IPAddress PolicyHost = IPAddress.Parse("127.0.0.151");
    private static readonly IPAddress Mx = IPAddress.Parse("127.0.0.152");
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Dir(string name) => Path.Combine(_scratch.Path, name);

    private static string Policy(string mode) => $"version: STSv1\r\nmode: {mode}\r\nmx: mx.sts.test\r\nmax_age: 86400\r\n";

    private static string Message(string to, string subject) =>
        $"From: sender@origin.test\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@origin.test>\r\n\r\nHello {to}.\r\n";

    private static Task<DnsTestServer> DnsAsync() => DnsTestServer.StartAsync(new DnsTestRecords()
        .Mx("sts.test", "mx.sts.test", 10).Host("mx.sts.test", Mx).Host("mta-sts.sts.test", PolicyHost)
        .Txt("_mta-sts.sts.test", "v=STSv1; id=20261202T1"), Dns);

    private static Task<OutboundServer> ServerAsync(DnsTestServer dns, TestPki pki) => OutboundServer.StartAsync(dns.Server, new Dictionary<string, string>
    {
        ["Transport:Smtp:MtaSts:TrustedCaFile"] = pki.CaFile,
        ["Transport:Smtp:MtaSts:FetchTimeout"] = "00:00:20",
        ["Transport:Smtp:ConnectionCacheTime"] = "00:00:00",
    });

    [Fact]
    public async Task Enforce_TheMxCertificateNamesTheHost_Delivered_OverVerifiedTls_ThePolicyFetchedOnce()
    {
        var pki = await TestPki.CreateAsync(Dir("pki"));
        await using var dns = await DnsAsync();
        await using var policy = await MtaStsPolicyServer.StartAsync(Dir("https"), PolicyHost, await pki.IssueAsync("policy", "mta-sts.sts.test"), Policy("enforce"));
        await using var peer = await PostfixPeer.StartAsync(Dir("mx"), Mx, "sts.test", await pki.IssueAsync("mx", "mx.sts.test"));
        await using var server = await ServerAsync(dns, pki);

        await server.SendAsync("sender@origin.test", ["alice@sts.test"], Message("alice@sts.test", "under enforce"));
        var arrived = await peer.WaitForMessagesAsync(1, Bound, () => server.Describe() + policy.Describe());
        File.ReadAllText(arrived.Single()).ShouldContain("Subject: under enforce");

        // The delivery line says how; Postfix says the session was TLS.
        await server.Process.WaitForLogAsync(l => l.Contains("to <alice@sts.test> delivered via mx.sts.test", StringComparison.Ordinal) && l.Contains("tls=mta-sts verified", StringComparison.Ordinal), Bound);
        await peer.WaitForLogAsync("TLS connection established from", Bound);

        // A second message: the policy comes from the cache (same TXT id), not from another fetch.
        await server.SendAsync("sender@origin.test", ["bob@sts.test"], Message("bob@sts.test", "again"));
        await peer.WaitForMessagesAsync(2, Bound, server.Describe);
        policy.Fetches.ShouldBe(1, policy.Describe());
    }

    [Fact]
    public async Task Enforce_TheMxCertificateNamesAnotherHost_Deferred475_ThePeerSawNoMail()
    {
        var pki = await TestPki.CreateAsync(Dir("pki"));
        await using var dns = await DnsAsync();
        await using var policy = await MtaStsPolicyServer.StartAsync(Dir("https"), PolicyHost, await pki.IssueAsync("policy", "mta-sts.sts.test"), Policy("enforce"));
        await using var peer = await PostfixPeer.StartAsync(Dir("mx"), Mx, "sts.test", await pki.IssueAsync("mx", "other.example.net"));
        await using var server = await ServerAsync(dns, pki);

        await server.SendAsync("sender@origin.test", ["carol@sts.test"], Message("carol@sts.test", "wrong name"));

        var deferred = await server.WaitForRecipientAsync("carol@sts.test", r => r.State == "deferred", Bound);
        deferred.LastReply.ShouldStartWith("421 4.7.5", Case.Sensitive, server.Describe());
        await server.Process.WaitForLogAsync(l => l.Contains("tls-rpt", StringComparison.Ordinal) && l.Contains("certificate-host-mismatch", StringComparison.Ordinal), Bound);
        await server.Process.WaitForLogAsync(l => l.Contains("to <carol@sts.test> deferred", StringComparison.Ordinal) && l.Contains("tls=mta-sts failed certificate-host-mismatch", StringComparison.Ordinal), Bound);
        await AssertNoMailAsync(peer);
    }

    [Fact]
    public async Task Enforce_TheMxOffersNoStartTls_Deferred4710_NeverInClear()
    {
        var pki = await TestPki.CreateAsync(Dir("pki"));
        await using var dns = await DnsAsync();
        await using var policy = await MtaStsPolicyServer.StartAsync(Dir("https"), PolicyHost, await pki.IssueAsync("policy", "mta-sts.sts.test"), Policy("enforce"));
        await using var peer = await PostfixPeer.StartAsync(Dir("mx"), Mx, "sts.test");
        await using var server = await ServerAsync(dns, pki);

        await server.SendAsync("sender@origin.test", ["dave@sts.test"], Message("dave@sts.test", "no starttls"));

        var deferred = await server.WaitForRecipientAsync("dave@sts.test", r => r.State == "deferred", Bound);
        deferred.LastReply.ShouldStartWith("421 4.7.10", Case.Sensitive, server.Describe());
        await server.Process.WaitForLogAsync(l => l.Contains("tls=mta-sts failed starttls-not-supported", StringComparison.Ordinal), Bound);
        await AssertNoMailAsync(peer);
    }

    [Fact]
    public async Task Testing_TheMxCertificateNamesAnotherHost_Delivered_AndReportedAsEnforceWouldRefuse()
    {
        var pki = await TestPki.CreateAsync(Dir("pki"));
        await using var dns = await DnsAsync();
        await using var policy = await MtaStsPolicyServer.StartAsync(Dir("https"), PolicyHost, await pki.IssueAsync("policy", "mta-sts.sts.test"), Policy("testing"));
        await using var peer = await PostfixPeer.StartAsync(Dir("mx"), Mx, "sts.test", await pki.IssueAsync("mx", "other.example.net"));
        await using var server = await ServerAsync(dns, pki);

        await server.SendAsync("sender@origin.test", ["erin@sts.test"], Message("erin@sts.test", "testing only"));

        await peer.WaitForMessagesAsync(1, Bound, server.Describe);
        await server.Process.WaitForLogAsync(l => l.Contains("to <erin@sts.test> delivered", StringComparison.Ordinal) && l.Contains("tls=mta-sts-testing encrypted certificate-host-mismatch", StringComparison.Ordinal) && l.Contains("enforce would refuse", StringComparison.Ordinal), Bound);
        await server.Process.WaitForLogAsync(l => l.Contains("tls-rpt: sts.test policy sts", StringComparison.Ordinal), Bound);
        await peer.WaitForLogAsync("TLS connection established from", Bound);
    }

    [Fact]
    public async Task APolicyHostWithAnUntrustedCertificate_IsNoPolicy_DeliveredOpportunistically_AndReported()
    {
        // The policy host's certificate is self-signed: RFC 8461 3.3 refuses the policy (sts-webpki-invalid),
        // and without a cached one the mail goes as if the domain had none (the MX has no STARTTLS here).
        var pki = await TestPki.CreateAsync(Dir("pki"));
        await using var dns = await DnsAsync();
        await using var policy = await MtaStsPolicyServer.StartAsync(Dir("https"), PolicyHost, await pki.IssueAsync("policy", "mta-sts.sts.test", selfSigned: true), Policy("enforce"));
        await using var peer = await PostfixPeer.StartAsync(Dir("mx"), Mx, "sts.test");
        await using var server = await ServerAsync(dns, pki);

        await server.SendAsync("sender@origin.test", ["fred@sts.test"], Message("fred@sts.test", "no valid policy"));

        await peer.WaitForMessagesAsync(1, Bound, server.Describe);
        await server.Process.WaitForLogAsync(l => l.Contains("to <fred@sts.test> delivered", StringComparison.Ordinal) && l.Contains("tls=opportunistic plain sts-webpki-invalid", StringComparison.Ordinal), Bound);
    }

    /// <summary>The peer's sessions all ended without MAIL (Postfix counts each command on its disconnect line).</summary>
    private static async Task AssertNoMailAsync(PostfixPeer peer)
    {
        var sessions = await peer.WaitForSessionsAsync(1, Bound);
        sessions.ShouldAllBe(s => !s.ContainsKey("mail"), peer.Log);
        peer.Messages().ShouldBeEmpty();
    }
}
