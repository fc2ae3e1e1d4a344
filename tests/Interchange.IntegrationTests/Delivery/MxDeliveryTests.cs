using System.Net;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// Mail out by MX (RFC 5321 5.1) end to end: Python's smtplib hands a message to a running
/// Interchange, which looks the domain up in a dnsmasq on loopback and delivers to Postfix
/// instances on port 25 of their own loopback addresses (127.0.0.31 to .37; .33, .36 and .37 have nothing listening).
/// </summary>
public sealed class MxDeliveryTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Dir(string name) => Path.Combine(_scratch.Path, name);

    private static IPAddress Ip(int last) => IPAddress.Parse($"127.0.0.{last}");

    private static string Message(string to, string subject) =>
        $"From: sender@origin.test\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@origin.test>\r\n\r\nHello {to}.\r\n";

    [Fact]
    public async Task TwoMxHosts_MailArrivesAtTheLowerPreference_TheOtherIsNeverContacted()
    {
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords()
            .Mx("pref.test", "mx-b.pref.test", 20).Mx("pref.test", "mx-a.pref.test", 10)
            .Host("mx-a.pref.test", Ip(31)).Host("mx-b.pref.test", Ip(32)), Ip(30));
        var peers = await PostfixPeer.StartAllAsync(
            () => PostfixPeer.StartAsync(Dir("mx-a"), Ip(31), "pref.test"),
            () => PostfixPeer.StartAsync(Dir("mx-b"), Ip(32), "pref.test"));
        await using var preferred = peers[0];
        await using var other = peers[1];
        await using var server = await OutboundServer.StartAsync(dns.Server);

        await server.SendAsync("sender@origin.test", ["alice@pref.test"], Message("alice@pref.test", "by preference"));

        var arrived = await preferred.WaitForMessagesAsync(1, Bound, server.Describe);
        File.ReadAllText(arrived.Single()).ShouldContain("Subject: by preference");
        await Eventually(() => dns.QueryCount("pref.test", "MX") > 0, () => string.Join('\n', dns.Log));
        other.Messages().ShouldBeEmpty();
        other.Sessions.ShouldBeEmpty(other.Log);
    }

    [Fact]
    public async Task LowerMxRefusesConnections_MailFallsThroughToTheNext()
    {
        // 127.0.0.33:25 has nothing listening: the connection is refused at once.
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords()
            .Mx("dead.test", "mx-dead.dead.test", 10).Mx("dead.test", "mx-live.dead.test", 20)
            .Host("mx-dead.dead.test", Ip(33)).Host("mx-live.dead.test", Ip(34)), Ip(30));
        await using var live = await PostfixPeer.StartAsync(Dir("mx-live"), Ip(34), "dead.test");
        await using var server = await OutboundServer.StartAsync(dns.Server);

        await server.SendAsync("sender@origin.test", ["bob@dead.test"], Message("bob@dead.test", "past a dead MX"));

        var arrived = await live.WaitForMessagesAsync(1, Bound, server.Describe);
        File.ReadAllText(arrived.Single()).ShouldContain("Subject: past a dead MX");
        live.Sessions.Count.ShouldBeLessThanOrEqualTo(1);

        // The dead host was tried first (not skipped): the server says so (its log is written asynchronously: wait, bounded).
        await server.Process.WaitForLogAsync(l => l.Contains("127.0.0.33", StringComparison.Ordinal) && l.Contains("not usable", StringComparison.Ordinal), Bound);
    }

    [Fact]
    public async Task EveryMxRefusesConnections_Deferred441_ThenTheDestinationIsLeftAloneAWhile()
    {
        // Nothing listens on 127.0.0.36:25 or 127.0.0.37:25.
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords()
            .Mx("down.test", "mx1.down.test", 10).Mx("down.test", "mx2.down.test", 20)
            .Host("mx1.down.test", Ip(36)).Host("mx2.down.test", Ip(37)), Ip(30));
        await using var server = await OutboundServer.StartAsync(dns.Server);

        await server.SendAsync("sender@origin.test", ["erin@down.test"], Message("erin@down.test", "nobody home"));
        var first = await server.WaitForRecipientAsync("erin@down.test", r => r.State == "deferred", Bound);
        first.LastReply.ShouldStartWith("451 4.4.1 connect to", Case.Sensitive, server.Describe());
        await server.Process.WaitForLogAsync(l => l.Contains("127.0.0.36", StringComparison.Ordinal) && l.Contains("not usable", StringComparison.Ordinal), Bound);
        await server.Process.WaitForLogAsync(l => l.Contains("127.0.0.37", StringComparison.Ordinal) && l.Contains("not usable", StringComparison.Ordinal), Bound);

        // A second message within Transport:Smtp:DeadDestinationTime (a minute) is deferred without a try.
        await server.SendAsync("sender@origin.test", ["fred@down.test"], Message("fred@down.test", "still nobody"));
        var second = await server.WaitForRecipientAsync("fred@down.test", r => r.State == "deferred", Bound);
        second.LastReply.ShouldContain("could be reached recently", Case.Sensitive, server.Describe());
    }

    [Fact]
    public async Task NoMxButAnAddressRecord_DeliveredToThatHost_ImplicitMx()
    {
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Host("amx.test", Ip(35)), Ip(30));
        await using var host = await PostfixPeer.StartAsync(Dir("amx"), Ip(35), "amx.test");
        await using var server = await OutboundServer.StartAsync(dns.Server);

        await server.SendAsync("sender@origin.test", ["carol@amx.test"], Message("carol@amx.test", "implicit MX"));

        var arrived = await host.WaitForMessagesAsync(1, Bound, server.Describe);
        File.ReadAllText(arrived.Single()).ShouldContain("Subject: implicit MX");
        await Eventually(() => dns.QueryCount("amx.test", "MX") > 0 && dns.QueryCount("amx.test", "A") > 0, () => string.Join('\n', dns.Log));
    }

    [Fact]
    public async Task NullMx_TheRecipientFailsPermanently_With5110()
    {
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().NullMx("nullmx.test"), Ip(30));
        await using var server = await OutboundServer.StartAsync(dns.Server);

        await server.SendAsync(OutboundServer.LocalSender, ["dave@nullmx.test"], Message("dave@nullmx.test", "to a null MX"));

        // Failed at the first attempt, and the local sender gets the RFC 3464 report (Python's email reads it).
        var report = (await server.WaitForReportsAsync(1, Bound)).EnumerateArray().Single();
        (report.GetProperty("content_type").GetString(), report.GetProperty("report_type").GetString()).ShouldBe(("multipart/report", "delivery-status"));
        report.GetProperty("return_path").GetString().ShouldBe("<>");
        report.GetProperty("parts").EnumerateArray().Select(p => p.GetString()).ShouldBe(["text/plain", "message/delivery-status", "message/rfc822"]);
        report.GetProperty("defects").GetArrayLength().ShouldBe(0);
        var (recipient, action, status, diagnostic) = OutboundServer.RecipientsOf(report).ShouldHaveSingleItem();
        (recipient, action, status).ShouldBe(("rfc822;dave@nullmx.test", "failed", "5.1.10"), server.Describe());
        server.Process.Stderr.ShouldContain(l => l.Contains("to <dave@nullmx.test> failed", StringComparison.Ordinal) && l.Contains("(attempt 1)", StringComparison.Ordinal) && l.Contains("null MX", StringComparison.Ordinal), server.Describe());
    }

    /// <summary>Waits (bounded) for <paramref name="condition"/>: dnsmasq's query log is read as it comes, so it may trail the delivery.</summary>
    private static async Task Eventually(Func<bool> condition, Func<string> describe)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            watch.Elapsed.ShouldBeLessThan(Bound, describe());
            await Task.Delay(50);
        }
    }
}
