using System.Net;
using System.Text.RegularExpressions;
using Interchange.IntegrationTests.Delivery;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// DANE (RFC 7672) end to end: unbound on 127.0.0.160 validates a zone signed by ldns-signzone
/// (<c>dane.test</c>) and serves an unsigned one (<c>plain.test</c>); Interchange trusts its AD bit
/// (<c>Transport:Dns:DnssecResolver</c>). Postfix peers with self-signed certificates (made by
/// openssl; DANE-EE needs no CA) on 127.0.0.161 (TLSA 3 1 1 of its key, by openssl), 127.0.0.162
/// (TLSA of another key) and 127.0.0.163 (in the unsigned zone, with a TLSA of another key).
/// </summary>
public sealed partial class DaneDeliveryTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly IPAddress Resolver = IPAddress.Parse("127.0.0.160");
    private static readonly IPAddress Good = IPAddress.Parse("127.0.0.161");
    private static readonly IPAddress Bad = IPAddress.Parse("127.0.0.162");
    private static readonly IPAddress Plain = IPAddress.Parse("127.0.0.163");
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Dir(string name) => Path.Combine(_scratch.Path, name);

    private static string Message(string to, string subject) =>
        $"From: sender@origin.test\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@origin.test>\r\n\r\nHello {to}.\r\n";

    private sealed record Setup(ValidatingResolver Resolver, PostfixPeer Peer, OutboundServer Server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Peer.DisposeAsync();
            await Resolver.DisposeAsync();
        }
    }

    /// <summary>The zones with the TLSA data given; the peer at <paramref name="peerAddress"/> accepting <paramref name="domain"/> with a self-signed certificate for <paramref name="mxHost"/>.</summary>
    private async Task<Setup> StartAsync(string domain, string mxHost, IPAddress peerAddress, bool matching)
    {
        var pki = await TestPki.CreateAsync(Dir("pki"));
        var peerCertificate = await pki.IssueAsync("mx", mxHost, selfSigned: true);
        var otherCertificate = await pki.IssueAsync("other", mxHost, selfSigned: true);
        var peerDigest = await TestPki.SpkiSha256Async(peerCertificate.CertificateFile);
        var otherDigest = await TestPki.SpkiSha256Async(otherCertificate.CertificateFile);
        var signed = $"""
            $ORIGIN dane.test.
            $TTL 300
            @ IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 300
            @ IN NS ns.dane.test.
            ns IN A {Resolver}
            good IN MX 10 mx.good.dane.test.
            mx.good IN A {Good}
            _25._tcp.mx.good IN TLSA 3 1 1 {(matching ? peerDigest : otherDigest)}
            bad IN MX 10 mx.bad.dane.test.
            mx.bad IN A {Bad}
            _25._tcp.mx.bad IN TLSA 3 1 1 {otherDigest}

            """;
        var unsigned = $"""
            $ORIGIN plain.test.
            $TTL 300
            @ IN SOA ns.plain.test. hostmaster.plain.test. 1 3600 600 86400 300
            @ IN NS ns.plain.test.
            ns IN A {Resolver}
            @ IN MX 10 mx.plain.test.
            mx IN A {Plain}
            _25._tcp.mx IN TLSA 3 1 1 {otherDigest}

            """;
        var resolver = await ValidatingResolver.StartAsync(Dir("unbound"), Resolver, ("dane.test", signed, true), ("plain.test", unsigned, false));
        PostfixPeer? peer = null;
        try
        {
            peer = await PostfixPeer.StartAsync(Dir("mx"), peerAddress, domain, peerCertificate);
            var server = await OutboundServer.StartAsync(resolver.Server, new Dictionary<string, string>
            {
                ["Transport:Dns:DnssecResolver"] = resolver.Server,
                ["Transport:Smtp:ConnectionCacheTime"] = "00:00:00",
            });
            return new Setup(resolver, peer, server);
        }
        catch
        {
            if (peer is not null)
            {
                await peer.DisposeAsync();
            }

            await resolver.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task MatchingTlsa_FromASignedZone_Delivered_AuthenticatedByDane()
    {
        await using var setup = await StartAsync("good.dane.test", "mx.good.dane.test", Good, matching: true);

        // The test's premise, by an independent client: unbound sets AD on the MX, the address and the TLSA answers.
        AdFlag(await setup.Resolver.DrillAsync("good.dane.test", "MX")).ShouldBeTrue(setup.Resolver.Describe());
        AdFlag(await setup.Resolver.DrillAsync("mx.good.dane.test", "A")).ShouldBeTrue();
        var tlsa = await setup.Resolver.DrillAsync("_25._tcp.mx.good.dane.test", "TLSA");
        AdFlag(tlsa).ShouldBeTrue(tlsa);

        await setup.Server.SendAsync("sender@origin.test", ["alice@good.dane.test"], Message("alice@good.dane.test", "by dane"));

        var arrived = await setup.Peer.WaitForMessagesAsync(1, Bound, setup.Server.Describe);
        File.ReadAllText(arrived.Single()).ShouldContain("Subject: by dane");
        await setup.Server.Process.WaitForLogAsync(l => l.Contains("to <alice@good.dane.test> delivered via mx.good.dane.test tls=dane verified", StringComparison.Ordinal) && l.Contains("DANE-EE 3 1 1", StringComparison.Ordinal), Bound);
        await setup.Peer.WaitForLogAsync("TLS connection established from", Bound);
    }

    [Fact]
    public async Task MismatchingTlsa_FromASignedZone_Deferred475_ThePeerSawNoMail()
    {
        await using var setup = await StartAsync("bad.dane.test", "mx.bad.dane.test", Bad, matching: false);

        await setup.Server.SendAsync("sender@origin.test", ["bob@bad.dane.test"], Message("bob@bad.dane.test", "wrong key"));

        var deferred = await setup.Server.WaitForRecipientAsync("bob@bad.dane.test", r => r.State == "deferred", Bound);
        deferred.LastReply.ShouldStartWith("421 4.7.5", Case.Sensitive, setup.Server.Describe());
        deferred.LastReply.ShouldContain("no TLSA record");
        await setup.Server.Process.WaitForLogAsync(l => l.Contains("to <bob@bad.dane.test> deferred", StringComparison.Ordinal) && l.Contains("tls=dane failed validation-failure", StringComparison.Ordinal), Bound);
        var sessions = await setup.Peer.WaitForSessionsAsync(1, Bound);
        sessions.ShouldAllBe(s => !s.ContainsKey("mail"), setup.Peer.Log);
        setup.Peer.Messages().ShouldBeEmpty();
    }

    [Fact]
    public async Task TlsaInAnUnsignedZone_IsNotApplied_DeliveredOpportunistically()
    {
        await using var setup = await StartAsync("plain.test", "mx.plain.test", Plain, matching: false);

        // No AD for the unsigned zone (the premise): its TLSA record must not be believed.
        var tlsa = await setup.Resolver.DrillAsync("_25._tcp.mx.plain.test", "TLSA");
        tlsa.ShouldContain("TLSA");
        AdFlag(tlsa).ShouldBeFalse(tlsa);

        await setup.Server.SendAsync("sender@origin.test", ["carol@plain.test"], Message("carol@plain.test", "unsigned"));

        await setup.Peer.WaitForMessagesAsync(1, Bound, setup.Server.Describe);
        await setup.Server.Process.WaitForLogAsync(l => l.Contains("to <carol@plain.test> delivered via mx.plain.test tls=opportunistic encrypted", StringComparison.Ordinal), Bound);
    }

    /// <summary>drill's header line ";; flags: qr rd ra ad ;" has "ad" when the answer is authenticated.</summary>
    private static bool AdFlag(string drill) => FlagsLine().Match(drill) is { Success: true } m && m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("ad");

    [GeneratedRegex(@";; flags: ([a-z ]+);")]
    private static partial Regex FlagsLine();
}
