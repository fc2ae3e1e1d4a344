using System.Net;
using System.Text.RegularExpressions;
using Interchange.MailAuth.Dkim;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter;
using Interchange.Testing.Dns;
using Interchange.Testing.Milter;
using Interchange.Transport.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Milter;

/// <summary>
/// Debian's OpenDKIM as a milter on loopback (its own configuration and key in a temporary folder):
/// it signs through our client (SMFIR_INSHEADER/ADDHEADER) and python3-dkim verifies the message as
/// edited, and so does Interchange's own verifier (the key from dnsmasq on 127.0.0.118); given a
/// message python3-dkim signed, it verifies it and adds Authentication-Results.
/// </summary>
public sealed class OpenDkimMilterTests : IDisposable
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.111");
    private readonly ScratchFolder _folder = new();

    private const string Message =
        "Received: from client.example ([127.0.0.1])\r\n\tby mx.interchange.test (Interchange) with ESMTP id S1.1; Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        + "From: Alice <alice@example.test>\r\n"
        + "To: Bob <bob@remote.test>\r\n"
        + "Subject: Signed by a milter,\r\n\tfolded\r\n"
        + "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        + "Message-ID: <m1@example.test>\r\n"
        + "\r\n"
        + "Hello Bob,\r\n"
        + "\r\n"
        + "a body with  two spaces, a trailing space \r\n"
        + "and a last line.\r\n";

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task SigningMode_AddsASignature_ThatPythonDkimVerifiesOnTheMessageAsEdited()
    {
        var key = await GenerateKeyAsync();
        await using var opendkim = await StartAsync(key, "s");

        var run = await MilterRun.RunAsync(Filter(opendkim), Internal(), "alice@example.test", ["bob@remote.test"], Message);

        run.Stage.ShouldBe("message", opendkim.Output);
        run.Verdict.Kind.ShouldBeOneOf([SmtpFilterVerdictKind.Continue, SmtpFilterVerdictKind.Accept], opendkim.Output); // OpenDKIM ends with SMFIR_ACCEPT
        var signature = run.Fields("DKIM-Signature").ShouldHaveSingleItem(opendkim.Output);
        signature.ShouldContain("d=example.test");
        signature.ShouldContain("s=sel1");
        signature.ShouldContain("c=relaxed/simple");
        var content = run.Content();
        content.ShouldContain("\r\n\r\nHello Bob,\r\n"); // the body is untouched
        (await PythonVerifyAsync(content, key)).ShouldBe("True", content);

        // The verifier can say no: one byte of the body changed after signing.
        var tampered = content.Replace("a last line.", "a last line!", StringComparison.Ordinal);
        (await PythonVerifyAsync(tampered, key)).ShouldBe("False");

        // Interchange's own verifier agrees on OpenDKIM's rsa-sha256 signature, the key served by dnsmasq.
        var ours = await OurVerdictsAsync(key, content, tampered);
        ours[0].Result.ShouldBe(DkimResult.Pass, ours[0].Reason);
        ours[1].Result.ShouldBe(DkimResult.Fail, ours[1].Reason);

        // A client from outside that logged in ({auth_type} and {auth_authen}) is signed for too.
        var submitted = External();
        (submitted.User, submitted.Mechanism) = ("alice", "PLAIN");
        var authenticated = await MilterRun.RunAsync(Filter(opendkim), submitted, "alice@example.test", ["bob@remote.test"], Message);
        authenticated.Fields("DKIM-Signature").ShouldHaveSingleItem(opendkim.Output);
        (await PythonVerifyAsync(authenticated.Content(), key)).ShouldBe("True");

        // And one that did not is not (verify mode only; opendkim adds no signature).
        var stranger = await MilterRun.RunAsync(Filter(opendkim), External(), "alice@example.test", ["bob@remote.test"], Message);
        stranger.Fields("DKIM-Signature").ShouldBeEmpty();
    }

    [Fact]
    public async Task VerifyingMode_AddsAuthenticationResults_ForAMessagePythonDkimSigned()
    {
        var key = await GenerateKeyAsync();
        await using var opendkim = await StartAsync(key, "v");
        var signed = await PythonSignAsync(Message, key);

        var run = await MilterRun.RunAsync(Filter(opendkim), External(), "alice@example.test", ["bob@interchange.test"], signed);
        run.Stage.ShouldBe("message", opendkim.Output);
        run.Verdict.Kind.ShouldBeOneOf([SmtpFilterVerdictKind.Continue, SmtpFilterVerdictKind.Accept], opendkim.Output);
        var results = run.Fields("Authentication-Results").ShouldHaveSingleItem(run.Content());
        results.ShouldStartWith("mx.interchange.test;");
        results.ShouldContain("dkim=pass");
        results.ShouldContain("header.d=example.test");

        var tampered = signed.Replace("a last line.", "a last line!", StringComparison.Ordinal);
        var failed = await MilterRun.RunAsync(Filter(opendkim), External(), "alice@example.test", ["bob@interchange.test"], tampered);
        failed.Fields("Authentication-Results").ShouldHaveSingleItem().ShouldContain("dkim=fail");
    }

    private static MilterFilter Filter(MilterDaemon daemon) =>
        MilterFilter.Create(new MilterOptions { Name = "opendkim", Socket = daemon.Socket, CommandTimeout = TimeSpan.FromSeconds(20) }, 10 << 20, NullLogger.Instance);

    /// <summary>A client OpenDKIM counts as internal (InternalHosts): it signs.</summary>
    private static TestFilterConnection Internal() =>
        new TestFilterConnection { HeloName = "client.example", Transaction = "S1.1" }.WithClient("127.0.0.1", 50001);

    /// <summary>A client from outside: it verifies.</summary>
    private static TestFilterConnection External() =>
        new TestFilterConnection { HeloName = "sender.example", Transaction = "S2.1" }.WithClient("192.0.2.10", 50002);

    /// <summary>Interchange's DKIM verdict on each message, the key record served by dnsmasq on 127.0.0.118.</summary>
    private static async Task<IReadOnlyList<DkimSignatureResult>> OurVerdictsAsync(string record, params string[] messages)
    {
        var strings = Enumerable.Range(0, (record.Length + 199) / 200).Select(i => record.Substring(i * 200, Math.Min(200, record.Length - (i * 200)))).ToArray();
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Txt("sel1._domainkey.example.test", strings), IPAddress.Parse("127.0.0.118"));
        var resolver = new DnsClientResolver(new DnsOptions { Servers = { dns.Server }, UseCache = false, Retries = 0, Timeout = TimeSpan.FromSeconds(2) });
        var verifier = new DkimSignatureVerifier(new DkimKeyCache(resolver, new DkimOptions()), new DkimOptions());
        var verdicts = new List<DkimSignatureResult>();
        foreach (var message in messages)
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(message));
            var parsed = await MimeKit.MimeMessage.LoadAsync(stream);
            verdicts.Add((await verifier.VerifyAsync(parsed, CancellationToken.None)).ShouldHaveSingleItem());
        }

        return verdicts;
    }

    private async Task<string> GenerateKeyAsync()
    {
        System.IO.Directory.CreateDirectory(_folder.Path);
        var result = await ExternalProcess.RunAsync("opendkim-genkey", ["-D", _folder.Path, "-d", "example.test", "-s", "sel1", "-b", "2048"]);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var txt = await File.ReadAllTextAsync(Path.Combine(_folder.Path, "sel1.txt"));

        // The record as published: the quoted strings of the zone file line, joined.
        var record = string.Concat(Regex.Matches(txt, "\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "record.txt"), record);
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "testdns"), $"sel1._domainkey.example.test {record}\n");
        return record;
    }

    private async Task<MilterDaemon> StartAsync(string record, string mode)
    {
        System.IO.Directory.CreateDirectory(_folder.Path);
        var port = MilterDaemon.FreePort(Address);
        var config = Path.Combine(_folder.Path, $"opendkim-{mode}.conf");
        await File.WriteAllLinesAsync(config,
        [
            "Syslog no",
            "Background no",
            $"Socket inet:{port}@{Address}",
            $"Mode {mode}",
            "Domain example.test",
            "Selector sel1",
            $"KeyFile {Path.Combine(_folder.Path, "sel1.private")}",
            "RequireSafeKeys false",        // the key sits under /tmp, which others can write
            "Canonicalization relaxed/simple",
            "InternalHosts 127.0.0.1",
            "AuthservID mx.interchange.test",
            $"TestDNSData file:{Path.Combine(_folder.Path, "testdns")}", // the public key, as DNS would give it
            "UserID root",
        ]);
        record.ShouldNotBeEmpty();
        return await MilterDaemon.StartAsync("/usr/sbin/opendkim", ["-f", "-x", config], new IPEndPoint(Address, port), TimeSpan.FromSeconds(20));
    }

    private async Task<string> PythonVerifyAsync(string content, string record)
    {
        var file = Path.Combine(_folder.Path, $"verify-{Guid.NewGuid():N}.eml");
        await File.WriteAllTextAsync(file, content);
        var script = $$"""
            import dkim
            record = open({{Quote(Path.Combine(_folder.Path, "record.txt"))}}, "rb").read()
            def dns(name, timeout=5):
                return record if name == b"sel1._domainkey.example.test." else None
            print(dkim.verify(open({{Quote(file)}}, "rb").read(), dnsfunc=dns))
            """;
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", script]);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.Trim();
    }

    private async Task<string> PythonSignAsync(string content, string record)
    {
        var file = Path.Combine(_folder.Path, "unsigned.eml");
        await File.WriteAllTextAsync(file, content);
        var script = $$"""
            import dkim, sys
            message = open({{Quote(file)}}, "rb").read()
            key = open({{Quote(Path.Combine(_folder.Path, "sel1.private"))}}, "rb").read()
            signature = dkim.sign(message, b"sel1", b"example.test", key, canonicalize=(b"relaxed", b"simple"),
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
            sys.stdout.write((signature + message).decode())
            """;
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", script]);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        record.ShouldNotBeEmpty();
        return result.Stdout.ReplaceLineEndings("\r\n");
    }

    private static string Quote(string path) => "'" + path.Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
