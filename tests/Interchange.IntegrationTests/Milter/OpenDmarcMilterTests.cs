using System.Net;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter;
using Interchange.Testing.Milter;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Milter;

/// <summary>
/// Debian's OpenDMARC as a milter on loopback. It resolves DNS itself through the system resolver
/// and has no setting to point it at a test server (opendmarc.conf(5) lists none), so the From
/// domain is one under the reserved .test TLD (RFC 2606), which no DNS has: the DMARC result is
/// "none", and OpenDMARC says so in its Authentication-Results field.
/// </summary>
public sealed class OpenDmarcMilterTests : IDisposable
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.112");
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AddsItsAuthenticationResults_ForADomainWithoutDmarc()
    {
        System.IO.Directory.CreateDirectory(_folder.Path);
        var port = MilterDaemon.FreePort(Address);
        var config = Path.Combine(_folder.Path, "opendmarc.conf");
        await File.WriteAllLinesAsync(config,
        [
            $"Socket inet:{port}@{Address}",
            "AuthservID mx.interchange.test",
            "TrustedAuthservIDs mx.interchange.test",
            "Syslog false",
            "PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat",
            "RejectFailures false",
            "FailureReports false",
        ]);
        await using var opendmarc = await MilterDaemon.StartAsync("/usr/sbin/opendmarc", ["-f", "-c", config], new IPEndPoint(Address, port), TimeSpan.FromSeconds(20));
        var filter = MilterFilter.Create(new MilterOptions { Name = "opendmarc", Socket = opendmarc.Socket, EndOfMessageTimeout = TimeSpan.FromSeconds(60) }, 10 << 20, NullLogger.Instance);

        const string Message =
            "Received: from sender.example ([192.0.2.10])\r\n\tby mx.interchange.test (Interchange) with ESMTP id S3.1; Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            + "Authentication-Results: mx.interchange.test; spf=pass smtp.mailfrom=alice@nodmarc.example.test\r\n"
            + "From: Alice <alice@nodmarc.example.test>\r\n"
            + "To: bob@interchange.test\r\n"
            + "Subject: no DMARC here\r\n"
            + "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            + "Message-ID: <d1@nodmarc.example.test>\r\n"
            + "\r\n"
            + "Hello.\r\n";
        var connection = new TestFilterConnection { HeloName = "sender.example", Transaction = "S3.1" }.WithClient("192.0.2.10", 50003);
        var run = await MilterRun.RunAsync(filter, connection, "alice@nodmarc.example.test", ["bob@interchange.test"], Message);

        run.Stage.ShouldBe("message", opendmarc.Output);
        run.Verdict.Kind.ShouldBeOneOf([SmtpFilterVerdictKind.Continue, SmtpFilterVerdictKind.Accept], opendmarc.Output); // SMFIR_ACCEPT at the end is OpenDMARC's usual word
        var results = run.Fields("Authentication-Results");
        results.Count.ShouldBe(2, run.Content());
        var dmarc = results.Single(r => r.Contains("dmarc=", StringComparison.Ordinal));
        dmarc.ShouldStartWith("mx.interchange.test");
        dmarc.ShouldContain("dmarc=none");
        dmarc.ShouldContain("header.from=nodmarc.example.test");
    }
}
