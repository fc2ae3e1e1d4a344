using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Interchange.IntegrationTests.Delivery;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.MailAuth;

/// <summary>
/// DKIM signing and ARC sealing end to end: keys made with <c>interchange dkim generate</c>, the
/// records it printed served by dnsmasq (127.0.0.171, .163), the running server sending through
/// aiosmtpd (127.0.0.172, .164) as the smart host of remote.test, and the content aiosmtpd
/// received judged by python3-dkim and OpenDKIM.
/// </summary>
public sealed partial class DkimSigningTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ScratchFolder _scratch = new();

    public DkimSigningTests() => System.IO.Directory.CreateDirectory(_scratch.Path);

    public void Dispose() => _scratch.Dispose();

    private string Dir(string name) => Path.Combine(_scratch.Path, name);

    private static IPAddress Ip(int last) => IPAddress.Parse($"127.0.0.{last}");

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Dkim:ReloadInterval"] = "00:00:00", // every message looks at the key store: the keys made below sign at once
    };

    [GeneratedRegex("^(\\S+)\\. IN TXT (.+)$", RegexOptions.Multiline)]
    private static partial Regex ZoneLine();

    /// <summary>Runs <c>dkim generate</c> and returns the record it printed: owner name and character-strings.</summary>
    private static async Task<(string Name, string[] Strings)> GenerateAsync(OutboundServer server, params string[] arguments)
    {
        var result = await server.CliAsync(["dkim", "generate", .. arguments]);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        result.Stdout.ShouldNotContain("PRIVATE", Case.Insensitive);
        var line = ZoneLine().Match(result.Stdout);
        line.Success.ShouldBeTrue(result.Stdout);
        var strings = Regex.Matches(line.Groups[2].Value, "\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        strings.ShouldAllBe(s => s.Length <= 255);
        return (line.Groups[1].Value, strings);
    }

    private async Task<string> ArrivedAsync(AiosmtpdPeer peer, OutboundServer server, string name)
    {
        var record = (await peer.WaitForRecordsAsync(1, Bound, server.Describe)).Single();
        var path = Path.Combine(_scratch.Path, name);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(record.GetProperty("content").GetString()!));
        return path;
    }

    /// <summary>The same message with one byte of its body changed.</summary>
    /// <summary>Routes remote.test to the peer and waits (bounded) until the running server has read the route.</summary>
    private static async Task AddRouteAsync(OutboundServer server, AiosmtpdPeer peer)
    {
        (await server.CliAsync("route", "add", "remote.test", "smtp", "--smarthost", peer.SmartHost)).ExitCode.ShouldBe(0);
        await server.Process.WaitForLogAsync(l => l.Contains("Routing table version 1:", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    private static async Task<string> TamperAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var body = bytes.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        var at = bytes.AsSpan(body).IndexOf((byte)'H') + body;
        bytes[at] = (byte)'J';
        var tampered = path + ".tampered";
        await File.WriteAllBytesAsync(tampered, bytes);
        return tampered;
    }

    [Fact]
    public async Task MailFromALocalDomain_SignedWithRsaAndEd25519_PythonDkimAndOpenDkimSayPass_AByteChangedSaysFail()
    {
        await using var server = await OutboundServer.StartAsync(null, Settings);
        var rsa = await GenerateAsync(server, "interchange.test", "--selector", "rsa1");
        var ed = await GenerateAsync(server, "interchange.test", "--selector", "ed1", "--algorithm", "ed25519");
        rsa.Name.ShouldBe("rsa1._domainkey.interchange.test");
        rsa.Strings.Length.ShouldBe(2, "a 2048-bit key's record is longer than one string");
        string.Concat(rsa.Strings).ShouldStartWith("v=DKIM1; k=rsa; p=");
        string.Concat(ed.Strings).ShouldStartWith("v=DKIM1; k=ed25519; p=");

        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Zone("interchange.test").Txt(rsa.Name, rsa.Strings).Txt(ed.Name, ed.Strings), Ip(171));
        await using var peer = await AiosmtpdPeer.StartAsync(Dir("peer"), Ip(172));
        await AddRouteAsync(server, peer);

        var message = "From: Sender <sender@interchange.test>\r\nTo: bob@remote.test\r\nSubject: signed twice\r\n" +
            "Date: Wed, 02 Dec 2026 04:00:00 +0000\r\nMessage-ID: <dkim-1@interchange.test>\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n\r\nHello Bob,\r\n\r\n  this line has  spaces   and a tab\there.\r\n.leading dot\r\n";
        await server.SendAsync("sender@interchange.test", ["bob@remote.test"], message);
        var arrived = await ArrivedAsync(peer, server, "signed.eml");

        var content = await File.ReadAllTextAsync(arrived);
        content.ShouldEndWith(message, customMessage: "the stored message follows the signatures unchanged");
        var verdicts = await DkimVerifiers.PythonDkimAsync(arrived, dns.EndPoint);
        verdicts.OrderBy(v => v.Selector).Select(v => $"{v.Passed} {v.Algorithm} {v.Selector}").ShouldBe(["True ed25519-sha256 ed1", "True rsa-sha256 rsa1"], content);
        var openDkim = await DkimVerifiers.OpenDkimAsync(arrived, dns.EndPoint, _scratch.Path);
        openDkim.ExitCode.ShouldBe(0, ExternalProcess.Describe(openDkim));
        // Its verdicts, as the Authentication-Results it would add: a pass for each signature.
        Regex.IsMatch(openDkim.Stdout, "dkim=pass [^\\n]*header.a=rsa-sha256 header.s=rsa1").ShouldBeTrue(ExternalProcess.Describe(openDkim));
        Regex.IsMatch(openDkim.Stdout, "dkim=pass [^\\n]*header.a=ed25519-sha256 header.s=ed1").ShouldBeTrue(ExternalProcess.Describe(openDkim));
        (openDkim.Stdout + openDkim.Stderr).ShouldNotContain("fail", Case.Insensitive, ExternalProcess.Describe(openDkim));

        var tampered = await TamperAsync(arrived);
        (await DkimVerifiers.PythonDkimAsync(tampered, dns.EndPoint)).ShouldAllBe(v => !v.Passed);
        var openDkimTampered = await DkimVerifiers.OpenDkimAsync(tampered, dns.EndPoint, _scratch.Path);
        Regex.IsMatch(openDkimTampered.Stdout, "dkim=fail [^\\n]*header.s=rsa1").ShouldBeTrue(ExternalProcess.Describe(openDkimTampered));
        Regex.IsMatch(openDkimTampered.Stdout, "dkim=fail [^\\n]*header.s=ed1").ShouldBeTrue(ExternalProcess.Describe(openDkimTampered));
    }

    [Fact]
    public async Task MailFromOutside_ToALocalAliasOfARemoteAddress_ArrivesWithAnArcSet_PythonDkimSaysTheChainPasses()
    {
        // Inbound verification judges the message (127.0.0.1 is not a relay client here) against
        // this DNS, whose SPF record allows it; the seal's AAR must copy that result.
        await using var spf = await DnsTestServer.StartAsync(new DnsTestRecords().Txt("outside.test", "v=spf1 ip4:127.0.0.1 -all"), Ip(178));
        await using var server = await OutboundServer.StartAsync(spf.Server, new Dictionary<string, string>(Settings)
        {
            ["Smtp:RelayNetworks:0"] = "127.0.0.250/32",
            ["Smtp:Authentication:Enabled"] = "true",
        });
        var rsa = await GenerateAsync(server, "interchange.test", "--selector", "arc1");
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Zone("interchange.test").Txt(rsa.Name, rsa.Strings), Ip(173));
        await using var peer = await AiosmtpdPeer.StartAsync(Dir("peer"), Ip(174));
        await AddRouteAsync(server, peer);
        var alias = await server.CliAsync("alias", "add", "forward@interchange.test", "carol@remote.test");
        alias.ExitCode.ShouldBe(0, ExternalProcess.Describe(alias));

        // A field claiming our authserv-id from outside: removed at arrival, never copied into the AAR.
        var message = "Authentication-Results: interchange.test; dkim=pass header.d=forged.example\r\n" +
            "From: Dave <dave@outside.test>\r\nTo: forward@interchange.test\r\nSubject: forwarded\r\n" +
            "Date: Wed, 02 Dec 2026 04:00:00 +0000\r\nMessage-ID: <arc-1@outside.test>\r\n\r\nHello from outside.\r\n";
        await server.SendAsync("dave@outside.test", ["forward@interchange.test"], message);
        var arrived = await ArrivedAsync(peer, server, "sealed.eml");

        var content = await File.ReadAllTextAsync(arrived);
        content.ShouldStartWith("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=interchange.test; s=arc1;", customMessage: content);
        var aar = Regex.Match(Regex.Replace(content, "\r\n[ \t]+", " "), "^ARC-Authentication-Results: [^\r\n]*", RegexOptions.Multiline).Value;
        aar.ShouldStartWith("ARC-Authentication-Results: i=1; interchange.test;", Case.Sensitive, content);
        aar.ShouldContain("spf=pass smtp.mailfrom=dave@outside.test", Case.Sensitive, content);
        content.ShouldNotContain("forged.example", Case.Sensitive, content);
        content.ShouldNotContain("DKIM-Signature", Case.Insensitive, "From is not ours");
        var (chain, reason) = await DkimVerifiers.PythonArcAsync(arrived, dns.EndPoint);
        chain.ShouldBe("pass", reason + "\n" + content);

        var (tamperedChain, _) = await DkimVerifiers.PythonArcAsync(await TamperAsync(arrived), dns.EndPoint);
        tamperedChain.ShouldBe("fail");
    }

    [Fact]
    public async Task MultipartWithPreambleEpilogueFoldingAndTrailingSpace_StillVerifies_TheSignerHashesTheBytesAsSent()
    {
        await using var server = await OutboundServer.StartAsync(null, Settings);
        var rsa = await GenerateAsync(server, "interchange.test", "--selector", "mp1");
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Zone("interchange.test").Txt(rsa.Name, rsa.Strings), Ip(176));
        await using var peer = await AiosmtpdPeer.StartAsync(Dir("peer"), Ip(177));
        await AddRouteAsync(server, peer);

        var message = "From: sender@interchange.test\r\nTo: bob@remote.test,\r\n\tcarol@remote.test\r\nSubject:   folded\r\n  subject line   \r\n" +
            "Date: Wed, 02 Dec 2026 04:00:00 +0000\r\nMessage-ID: <mp-1@interchange.test>\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed;\r\n boundary=\"b1\"\r\n\r\nThis is the preamble.   \r\n--b1\r\nContent-Type: text/plain\r\n\r\n" +
            "first part   \r\n\r\n\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--b1--\r\nthe epilogue\r\n\r\n";
        await server.SendAsync("sender@interchange.test", ["bob@remote.test"], message);
        var arrived = await ArrivedAsync(peer, server, "multipart.eml");

        (await File.ReadAllTextAsync(arrived)).ShouldEndWith(message);
        var verdicts = await DkimVerifiers.PythonDkimAsync(arrived, dns.EndPoint);
        verdicts.Select(v => $"{v.Passed} {v.Selector}").ShouldBe(["True mp1"], await File.ReadAllTextAsync(arrived));
    }
}
