using System.Net;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// How the connector uses connections, seen in a Postfix peer's log (smtpd counts each session's
/// commands when it ends): several recipients of one domain go in one transaction (127.0.0.44),
/// and messages in a row to one destination share a cached connection (127.0.0.45).
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
}
