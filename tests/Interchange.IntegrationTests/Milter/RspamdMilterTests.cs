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

    /// <summary>The header of the message the last server run stored, for failure messages.</summary>
    private string Output { get; set; } = string.Empty;

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

        // Through `interchange serve` (Smtp:Milters → this rspamd). From loopback rspamd scores the
        // plain message lower than from 192.0.2.10 (it skips checks for local clients), so the
        // threshold is set from what it gave there: over that score the message stays in the INBOX
        // (and its X-Spam-Status is read back), at that score it is filed in Junk.
        (await DeliverThroughServerAsync(rspamd, 1000, Plain)).ShouldBe("INBOX", Output);
        var stored = System.Text.RegularExpressions.Regex.Match(Output, @"X-Spam-Status: (Yes|No), score=(?<score>-?\d+(\.\d+)?)");
        stored.Success.ShouldBeTrue(Output);
        var fromLoopback = double.Parse(stored.Groups["score"].Value, System.Globalization.CultureInfo.InvariantCulture);
        (await DeliverThroughServerAsync(rspamd, fromLoopback, Plain)).ShouldBe("Junk", $"score {fromLoopback}; the header as stored:\n{Output}");
    }

    /// <summary>Runs Interchange with rspamd as its milter and <paramref name="threshold"/>, sends <paramref name="message"/>
    /// with smtplib, and returns the mailbox imaplib found it in.</summary>
    private async Task<string> DeliverThroughServerAsync(MilterDaemon rspamd, double threshold, string message)
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path, ["smtp", "imap"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "interchange.test",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Smtp__Authentication__Enabled"] = "false",
            ["INTERCHANGE__Smtp__Milters__0__Name"] = "rspamd",
            ["INTERCHANGE__Smtp__Milters__0__Socket"] = rspamd.Socket,
            ["INTERCHANGE__Smtp__Milters__0__EndOfMessageTimeout"] = "00:01:30",
            ["INTERCHANGE__Smtp__SpamThreshold"] = threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var added = await InterchangeBinary.CliAsync(data.Path, "bob's long password\n", "user", "add", "bob@interchange.test", "--password-stdin");
        added.ExitCode.ShouldBe(0, ExternalProcess.Describe(added));
        var content = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(message));
        var run = await ExternalProcess.PythonAsync($$"""
            import base64, imaplib, smtplib, time
            with smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=120) as s:
                s.sendmail("alice@sender.test", ["bob@interchange.test"], base64.b64decode("{{content}}"))
            m = imaplib.IMAP4("127.0.0.1", {{server.Port("imap")}})
            m.login("bob@interchange.test", "bob's long password")
            deadline = time.monotonic() + 30
            found = None
            while found is None and time.monotonic() < deadline:
                for box in ("INBOX", "Junk"):
                    typ, data = m.select(box)
                    if typ == "OK" and int(data[0]) > 0:
                        found = box
                        break
                else:
                    time.sleep(0.2)
            if found:
                m.select(found)
                typ, data = m.fetch(b"1", "(BODY.PEEK[HEADER])")
            print(found)
            print(data[0][1].decode("utf-8", "replace") if found else "")
            """, TimeSpan.FromMinutes(3));
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run) + rspamd.Output);
        var lines = run.Stdout.Split('\n', 2);
        Output = lines.Length > 1 ? lines[1] : string.Empty;
        return lines[0].Trim();
    }
}
