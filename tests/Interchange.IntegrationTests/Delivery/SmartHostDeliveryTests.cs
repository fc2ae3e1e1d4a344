using System.Net;
using System.Text;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// Routes to a smart host end to end: aiosmtpd demanding STARTTLS before AUTH (127.0.0.40), and a
/// Postfix without STARTTLS (127.0.0.41) behind a route that requires TLS.
/// </summary>
public sealed class SmartHostDeliveryTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ScratchFolder _scratch = new();

    public SmartHostDeliveryTests() => System.IO.Directory.CreateDirectory(_scratch.Path);

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task RouteWithAuthAndRequiredTls_PeerSeesTlsAndTheLogin_MessageArrives()
    {
        var cert = Path.Combine(_scratch.Path, "relay.crt");
        var key = Path.Combine(_scratch.Path, "relay.key");
        var made = await ExternalProcess.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=relay.test"]);
        made.ExitCode.ShouldBe(0, ExternalProcess.Describe(made));
        await using var relay = await AiosmtpdPeer.StartAsync(Path.Combine(_scratch.Path, "aio"), IPAddress.Parse("127.0.0.40"), "--tls", cert, key, "--auth", "relay-user:relay-secret");
        var smartHost = relay.SmartHost;
        await using var server = await OutboundServer.StartAsync(null, new Dictionary<string, string>
        {
            ["Transport:Routes:0:AddressSpace"] = "partner.test",
            ["Transport:Routes:0:Connector"] = "smtp",
            ["Transport:Routes:0:SmartHost"] = smartHost,
            ["Transport:Routes:0:Tls"] = "required",
            ["Transport:Smtp:RelayCredentials:0:SmartHost"] = smartHost,
            ["Transport:Smtp:RelayCredentials:0:UserName"] = "relay-user",
            ["Transport:Smtp:RelayCredentials:0:Password"] = "relay-secret",
        });

        await server.SendAsync("sender@origin.test", ["erin@partner.test", "frank@partner.test"], "From: sender@origin.test\r\nSubject: via the smart host\r\n\r\nsecret plans\r\n");

        var record = (await relay.WaitForRecordsAsync(1, Bound, server.Describe)).Single();
        record.GetProperty("tls").GetBoolean().ShouldBeTrue("the peer saw the transaction inside TLS");
        record.GetProperty("auth").GetString().ShouldBe("relay-user");
        record.GetProperty("mail_from").GetString().ShouldBe("sender@origin.test");
        record.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()).ShouldBe(["erin@partner.test", "frank@partner.test"], ignoreOrder: true);
        Encoding.UTF8.GetString(Convert.FromBase64String(record.GetProperty("content").GetString()!)).ShouldContain("Subject: via the smart host");
    }

    [Fact]
    public async Task RouteRequiringTls_PeerWithoutStartTls_Deferred47_NeverSentInClear()
    {
        var address = IPAddress.Parse("127.0.0.41");
        await using var peer = await PostfixPeer.StartAsync(Path.Combine(_scratch.Path, "clear"), address, "clear.test"); // smtpd_tls_security_level=none: no STARTTLS
        await using var server = await OutboundServer.StartAsync(null, new Dictionary<string, string>
        {
            ["Transport:Routes:0:AddressSpace"] = "clear.test",
            ["Transport:Routes:0:Connector"] = "smtp",
            ["Transport:Routes:0:SmartHost"] = $"[{address}]:25",
            ["Transport:Routes:0:Tls"] = "required",
            ["Transport:MinimalBackoff"] = "00:00:01",
            ["Transport:RetryJitter"] = "0",
            ["Transport:PollInterval"] = "00:00:00.500", // idle workers look for due retries this often
        });

        await server.SendAsync("sender@origin.test", ["grace@clear.test"], "From: sender@origin.test\r\nSubject: not in clear\r\n\r\nsecret plans\r\n");

        // Whichever attempt the first look catches (retries come every second), the reason is the same.
        var deferred = await server.WaitForRecipientAsync("grace@clear.test", r => r.State == "deferred", Bound);
        deferred.LastReply.ShouldMatch(@"^4\d\d 4\.7\.\d+ ", server.Describe());

        // Retried on the schedule (the host answered, so the destination is not "dead"), for the same reason.
        var again = await server.WaitForRecipientAsync("grace@clear.test", r => r.State == "deferred" && r.Attempts > deferred.Attempts, Bound);
        again.LastReply.ShouldMatch(@"^4\d\d 4\.7\.\d+ ", server.Describe());

        // The peer was reached each time (it saw EHLO, so the refusal is ours) but never a MAIL: nothing went in clear.
        var sessions = await peer.WaitForSessionsAsync(2, Bound);
        sessions.ShouldAllBe(s => !s.ContainsKey("mail") && !s.ContainsKey("data") && !s.ContainsKey("bdat"), peer.Log);
        peer.Messages().ShouldBeEmpty();
    }
}
