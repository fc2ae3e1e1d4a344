using System.Net;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// How the connector uses connections, seen in a Postfix peer's log (smtpd counts each session's
/// commands when it ends): several recipients of one domain go in one transaction (127.0.0.44),
/// messages in a row to one destination share a cached connection (127.0.0.45), and the DSN
/// parameters (RFC 3461) reach the remote MTA, whose own success report shows them (127.0.0.48).
/// </summary>
public sealed class TransactionTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static async Task<DnsTestServer> DnsAsync(string domain, string address) =>
        await DnsTestServer.StartAsync(new DnsTestRecords().Mx(domain, $"mx.{domain}", 10).Host($"mx.{domain}", IPAddress.Parse(address)), IPAddress.Parse("127.0.0.30"));

    [Fact]
    public async Task ThreeRecipientsOfOneDomain_OneSessionOneMailThreeRcpts()
    {
        await using var dns = await DnsAsync("many.test", "127.0.0.44");
        await using var peer = await PostfixPeer.StartAsync(Path.Combine(_scratch.Path, "many"), IPAddress.Parse("127.0.0.44"), "many.test");
        await using var server = await OutboundServer.StartAsync(dns.Server);

        string[] recipients = ["ann@many.test", "ben@many.test", "cid@many.test"];
        await server.SendAsync("sender@origin.test", recipients, "From: sender@origin.test\r\nSubject: to three\r\n\r\nOne copy, three recipients.\r\n");

        var arrived = await peer.WaitForMessagesAsync(3, Bound, server.Describe);
        arrived.Select(f => File.ReadAllLines(f).First(l => l.StartsWith("Delivered-To: ", StringComparison.Ordinal))[14..])
            .ShouldBe(recipients, ignoreOrder: true);

        // The cached connection closes after Transport:Smtp:ConnectionCacheTime (2 s): then smtpd logs the session.
        var session = (await peer.WaitForSessionsAsync(1, Bound)).ShouldHaveSingleItem();
        (session.GetValueOrDefault("mail"), session.GetValueOrDefault("rcpt"), session.GetValueOrDefault("data") + session.GetValueOrDefault("bdat"))
            .ShouldBe((1, 3, 1), peer.Log);
        peer.Log.ShouldContain("nrcpt=3 (queue active)");
        peer.Connections.ShouldBe(1, peer.Log);
    }

    [Fact]
    public async Task MessagesInARow_ReuseOneConnection()
    {
        await using var dns = await DnsAsync("reuse.test", "127.0.0.45");
        await using var peer = await PostfixPeer.StartAsync(Path.Combine(_scratch.Path, "reuse"), IPAddress.Parse("127.0.0.45"), "reuse.test");
        await using var server = await OutboundServer.StartAsync(dns.Server, new Dictionary<string, string>
        {
            // Long enough for the next message to be sent and routed on a loaded machine; the session ends after it.
            ["Transport:Smtp:ConnectionCacheTime"] = "00:00:06",
        });

        const int Messages = 3;
        for (var i = 1; i <= Messages; i++)
        {
            await server.SendAsync("sender@origin.test", ["dora@reuse.test"], $"From: sender@origin.test\r\nSubject: message {i} in a row\r\n\r\nNumber {i}.\r\n");
            await peer.WaitForMessagesAsync(i, Bound, server.Describe);
        }

        // Every session has ended once the last cached connection timed out: then count them.
        var sessions = await peer.WaitForSessionsAsync(all => all.Sum(s => s.GetValueOrDefault("mail")) >= Messages, Bound);
        sessions.Sum(s => s.GetValueOrDefault("mail")).ShouldBe(Messages, peer.Log);
        sessions.Count.ShouldBeLessThan(Messages, peer.Log);
        peer.Connections.ShouldBe(sessions.Count, peer.Log);
        sessions.ShouldContain(s => s.GetValueOrDefault("mail") > 1, peer.Log);
    }

    [Fact]
    public async Task DsnParameters_ReachTheRemoteMta_ItsSuccessReportCarriesThem()
    {
        // The sender is in the peer's own domain, so the success DSN Postfix sends for NOTIFY=SUCCESS
        // lands in its maildir beside the message, for Python's email package to read.
        await using var dns = await DnsAsync("dsn.test", "127.0.0.48");
        await using var peer = await PostfixPeer.StartAsync(Path.Combine(_scratch.Path, "dsn"), IPAddress.Parse("127.0.0.48"), "dsn.test");
        await using var server = await OutboundServer.StartAsync(dns.Server);

        await server.SendAsync("owner@dsn.test", ["ivy@dsn.test"], "From: owner@dsn.test\r\nSubject: tell me\r\n\r\nPlease confirm.\r\n",
            ["ENVID=envelope-42"], ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;ivy.original@dsn.test"]);

        var arrived = await peer.WaitForMessagesAsync(2, Bound, server.Describe);
        var check = await ExternalProcess.PythonAsync($$"""
            import email, email.policy, json
            for path in {{"[" + string.Join(", ", arrived.Select(a => $"\"{a}\"")) + "]"}}:
                msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
                if msg.get_content_type() != "multipart/report":
                    continue
                parts = list(msg.iter_parts())
                status = parts[1].get_payload()
                print(json.dumps({
                    "report_type": msg.get_param("report-type"),
                    "envid": status[0]["Original-Envelope-Id"],
                    "orcpt": status[1]["Original-Recipient"],
                    "final": status[1]["Final-Recipient"],
                    "action": status[1]["Action"],
                }))
            """);
        check.ExitCode.ShouldBe(0, ExternalProcess.Describe(check));
        check.Stdout.Trim().ShouldNotBeEmpty("no multipart/report arrived:\n" + peer.Log);
        var report = System.Text.Json.JsonDocument.Parse(check.Stdout).RootElement;
        report.GetProperty("report_type").GetString().ShouldBe("delivery-status");
        report.GetProperty("envid").GetString().ShouldBe("envelope-42");
        report.GetProperty("orcpt").GetString()!.Replace(" ", "", StringComparison.Ordinal).ShouldBe("rfc822;ivy.original@dsn.test"); // Postfix writes it as given, without the space
        report.GetProperty("final").GetString()!.Replace(" ", "", StringComparison.Ordinal).ShouldBe("rfc822;ivy@dsn.test");
        report.GetProperty("action").GetString().ShouldBe("delivered");
    }
}
