using System.Net;
using System.Text.Json;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// Peers that lack an extension, end to end by MX: a Postfix without 8BITMIME (127.0.0.42) gets an
/// 8-bit message converted to 7 bits; a Postfix without SMTPUTF8 (127.0.0.43) is never given a
/// UTF-8 address, which fails permanently (RFC 6531 3.4, 5.6.7), while one with it (127.0.0.47) takes it.
/// </summary>
public sealed class PeerCapabilityTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task PeerWithout8BitMime_EightBitMessageArrivesAsSevenBit_DecodingToTheSameText()
    {
        const string Text = "Grüße aus Köln: ½ € — naïve café.\r\n.a line with a leading dot\r\nend\r\n";
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Mx("seven.test", "mx.seven.test", 10).Host("mx.seven.test", IPAddress.Parse("127.0.0.42")), IPAddress.Parse("127.0.0.30"));
        await using var peer = await PostfixPeer.StartAsync(Path.Combine(_scratch.Path, "seven"), IPAddress.Parse("127.0.0.42"), "seven.test", "8bitmime");
        await using var server = await OutboundServer.StartAsync(dns.Server);

        await server.SendAsync("sender@origin.test", ["heidi@seven.test"],
            "From: sender@origin.test\r\nTo: heidi@seven.test\r\nSubject: eight bits\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + Text,
            ["BODY=8BITMIME"]);

        var arrived = (await peer.WaitForMessagesAsync(1, Bound, server.Describe)).Single();
        await peer.WaitForLogAsync("discarding EHLO keywords: 8BITMIME", Bound);

        // Python's email package reads what Postfix stored: every byte 7-bit, the part re-encoded, the same text.
        var check = await ExternalProcess.PythonAsync($$"""
            import email, email.policy, json
            raw = open("{{arrived}}", "rb").read()
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            print(json.dumps({"max": max(raw), "cte": msg["Content-Transfer-Encoding"], "text": msg.get_content()}))
            """);
        check.ExitCode.ShouldBe(0, ExternalProcess.Describe(check));
        var result = JsonDocument.Parse(check.Stdout).RootElement;
        result.GetProperty("max").GetInt32().ShouldBeLessThan(128, File.ReadAllText(arrived));
        result.GetProperty("cte").GetString()!.ToLowerInvariant().ShouldBeOneOf("quoted-printable", "base64");
        result.GetProperty("text").GetString()!.ReplaceLineEndings("\n").ShouldBe(Text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task PeerWithoutSmtpUtf8_Utf8Recipient_FailsPermanently567_PeerGetsNoTransaction_APeerWithItGetsTheMessage()
    {
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords()
            .Mx("ascii.test", "mx.ascii.test", 10).Host("mx.ascii.test", IPAddress.Parse("127.0.0.43"))
            .Mx("intl.test", "mx.intl.test", 10).Host("mx.intl.test", IPAddress.Parse("127.0.0.47")), IPAddress.Parse("127.0.0.30"));
        var peers = await PostfixPeer.StartAllAsync(
            () => PostfixPeer.StartAsync(Path.Combine(_scratch.Path, "ascii"), IPAddress.Parse("127.0.0.43"), "ascii.test", "smtputf8"),
            () => PostfixPeer.StartAsync(Path.Combine(_scratch.Path, "intl"), IPAddress.Parse("127.0.0.47"), "intl.test"));
        await using var without = peers[0];
        await using var with = peers[1];
        await using var server = await OutboundServer.StartAsync(dns.Server);

        foreach (var to in new[] { "jörg@ascii.test", "jörg@intl.test" })
        {
            await server.SendAsync(OutboundServer.LocalSender, [to],
                $"From: {OutboundServer.LocalSender}\r\nTo: {to}\r\nSubject: für Jörg\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo Jörg.\r\n",
                ["SMTPUTF8", "BODY=8BITMIME"]);
        }

        // The failure comes back to the (local) sender as an RFC 3464 report, read by Python's email.
        var report = (await server.WaitForReportsAsync(1, Bound)).EnumerateArray().Single();
        (report.GetProperty("content_type").GetString(), report.GetProperty("report_type").GetString()).ShouldBe(("multipart/report", "delivery-status"));
        report.GetProperty("defects").GetArrayLength().ShouldBe(0);
        var (recipient, action, status, diagnostic) = OutboundServer.RecipientsOf(report).ShouldHaveSingleItem();
        recipient.ShouldContain("ascii.test");
        (action, status).ShouldBe(("failed", "5.6.7"), server.Describe());
        diagnostic.ShouldContain("SMTPUTF8");
        server.Process.Stderr.ShouldContain(l => l.Contains("to <jörg@ascii.test> failed", StringComparison.Ordinal) && l.Contains("(attempt 1)", StringComparison.Ordinal), server.Describe());
        without.Messages().ShouldBeEmpty();
        without.Sessions.ShouldAllBe(s => !s.ContainsKey("mail") && !s.ContainsKey("rcpt"), without.Log);

        // The same message to a Postfix that announces SMTPUTF8 is delivered, the address intact.
        var arrived = (await with.WaitForMessagesAsync(1, Bound, server.Describe)).Single();
        File.ReadAllText(arrived).ShouldContain("Delivered-To: jörg@intl.test");
        await with.WaitForLogAsync("to=<jörg@intl.test>", Bound);
    }
}
