using System.Net;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter;
using Interchange.Testing.Milter;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Milter;

/// <summary>
/// Debian's rspamd with its proxy worker in milter mode, scanning itself (self_scan), offline:
/// no redis, DNS pointed at a closed port, configuration and databases in a temporary folder. It
/// takes a minute to start (it compiles its TLD list and regular expressions). A plain message
/// comes back with rspamd's X-Spam-* fields; GTUBE comes back refused.
/// </summary>
public sealed class RspamdMilterTests : IDisposable
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.114");
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ScoresMessages_AddingItsHeaders_AndRefusesGtube()
    {
        var port = MilterDaemon.FreePort(Address);
        var local = Path.Combine(_folder.Path, "local.d");
        System.IO.Directory.CreateDirectory(local);
        System.IO.Directory.CreateDirectory(Path.Combine(_folder.Path, "db"));
        System.IO.Directory.CreateDirectory(Path.Combine(_folder.Path, "run"));
        await File.WriteAllTextAsync(Path.Combine(local, "worker-proxy.inc"), $$"""
            bind_socket = "{{Address}}:{{port}}";
            milter = yes;
            timeout = 120s;
            count = 1;
            upstream "local" {
              default = yes;
              self_scan = yes;
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(local, "worker-normal.inc"), "enabled = false;\n");
        await File.WriteAllTextAsync(Path.Combine(local, "worker-controller.inc"), "enabled = false;\n");
        await File.WriteAllTextAsync(Path.Combine(local, "worker-fuzzy.inc"), "enabled = false;\n");
        await File.WriteAllTextAsync(Path.Combine(local, "logging.inc"), "type = \"console\";\nlevel = \"warning\";\n");
        await File.WriteAllTextAsync(Path.Combine(local, "options.inc"), "dns { nameserver = [\"127.0.0.1:1\"]; timeout = 1s; retransmits = 1; }\n");
        await File.WriteAllTextAsync(Path.Combine(local, "milter_headers.conf"), """
            use = ["x-spam-status", "x-spamd-result"];
            skip_local = false;
            skip_authenticated = false;
            """);

        await using var rspamd = await MilterDaemon.StartAsync(
            "/usr/bin/rspamd",
            ["-f", "-i", "-u", "root", "-g", "root", "-c", "/etc/rspamd/rspamd.conf", $"--var=LOCAL_CONFDIR={_folder.Path}", $"--var=DBDIR={Path.Combine(_folder.Path, "db")}", $"--var=RUNDIR={Path.Combine(_folder.Path, "run")}"],
            new IPEndPoint(Address, port),
            TimeSpan.FromMinutes(4));
        var filter = MilterFilter.Create(new MilterOptions { Name = "rspamd", Socket = rspamd.Socket, EndOfMessageTimeout = TimeSpan.FromSeconds(90), CommandTimeout = TimeSpan.FromSeconds(30) }, 10 << 20, NullLogger.Instance);

        const string Plain =
            "Received: from sender.example ([192.0.2.10])\r\n\tby mx.interchange.test (Interchange) with ESMTP id S4.1; Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            + "From: Alice <alice@sender.test>\r\n"
            + "To: bob@interchange.test\r\n"
            + "Subject: lunch on Friday\r\n"
            + "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            + "Message-ID: <r1@sender.test>\r\n"
            + "\r\n"
            + "Hi Bob, shall we have lunch on Friday? Alice\r\n";
        var connection = new TestFilterConnection { HeloName = "sender.example", Transaction = "S4.1" }.WithClient("192.0.2.10", 50004);
        var plain = await MilterRun.RunAsync(filter, connection, "alice@sender.test", ["bob@interchange.test"], Plain);
        plain.Verdict.Kind.ShouldBeOneOf([SmtpFilterVerdictKind.Continue, SmtpFilterVerdictKind.Accept], rspamd.Output);
        // Offline, DNS failures cost a few points; the score and its symbols come back either way.
        var status = plain.Fields("X-Spam-Status").ShouldHaveSingleItem(plain.Content());
        status.ShouldMatch(@"^(Yes|No), score=-?\d+(\.\d+)?");
        plain.Fields("X-Spamd-Result").ShouldHaveSingleItem().ShouldMatch(@"^default: (True|False) \[-?\d+(\.\d+)? / \d+(\.\d+)?\]");

        var gtube = Plain.Replace("Hi Bob, shall we have lunch on Friday? Alice", "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X", StringComparison.Ordinal);
        var spam = await MilterRun.RunAsync(filter, connection.WithSession("S5"), "alice@sender.test", ["bob@interchange.test"], gtube);
        spam.Stage.ShouldBe("message");
        spam.Verdict.Kind.ShouldBe(SmtpFilterVerdictKind.Reject, $"{spam.Verdict.Reply} {rspamd.Output}");
        spam.Verdict.Reply!.Code.ShouldBe(554);
    }
}
