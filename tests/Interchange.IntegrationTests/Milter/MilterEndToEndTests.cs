using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Milter;

/// <summary>
/// Through the real server: <c>interchange serve</c> with OpenDKIM (verify mode) in
/// <c>Smtp:Milters</c>; Python's smtplib sends a message python3-dkim signed, and the message read
/// back over IMAP carries OpenDKIM's Authentication-Results, which python3-authres parses.
/// </summary>
public sealed class MilterEndToEndTests : IAsyncLifetime
{
    private const string User = "bob@milter.test";
    private const string Password = "bob's long password";
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.116");
    private readonly ScratchFolder _data = new();
    private readonly ScratchFolder _keys = new();
    private MilterDaemon _opendkim = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_keys.Path);
        var generated = await ExternalProcess.RunAsync("opendkim-genkey", ["-D", _keys.Path, "-d", "example.test", "-s", "sel1", "-b", "2048"]);
        generated.ExitCode.ShouldBe(0, ExternalProcess.Describe(generated));
        var txt = await File.ReadAllTextAsync(Path.Combine(_keys.Path, "sel1.txt"));
        var record = string.Concat(Regex.Matches(txt, "\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        await File.WriteAllTextAsync(Path.Combine(_keys.Path, "testdns"), $"sel1._domainkey.example.test {record}\n");
        var port = MilterDaemon.FreePort(Address);
        var config = Path.Combine(_keys.Path, "opendkim.conf");
        await File.WriteAllLinesAsync(config,
        [
            "Syslog no",
            "Background no",
            $"Socket inet:{port}@{Address}",
            "Mode v",
            "InternalHosts 192.0.2.99",     // the test's client, 127.0.0.1, is from outside: verify
            "AuthservID opendkim.milter.test",
            $"TestDNSData file:{Path.Combine(_keys.Path, "testdns")}",
            "UserID root",
        ]);
        _opendkim = await MilterDaemon.StartAsync("/usr/sbin/opendkim", ["-f", "-x", config], new IPEndPoint(Address, port), TimeSpan.FromSeconds(20));
        _server = await ServerProcess.StartAsync(_data.Path, ["smtp", "imap"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "milter.test",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Smtp__Milters__0__Name"] = "opendkim",
            ["INTERCHANGE__Smtp__Milters__0__Socket"] = _opendkim.Socket,
        });
        var added = await InterchangeBinary.CliAsync(_data.Path, Password + "\n", "user", "add", User, "--password-stdin");
        added.ExitCode.ShouldBe(0, ExternalProcess.Describe(added));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _opendkim.DisposeAsync();
        _data.Dispose();
        _keys.Dispose();
    }

    [Fact]
    public async Task A_signed_message_arrives_with_OpenDKIMs_verdict()
    {
        var key = Path.Combine(_keys.Path, "sel1.private");
        var run = await ExternalProcess.DebianPythonAsync($$"""
            import authres, dkim, email, email.policy, imaplib, json, smtplib, time
            msg = ("From: Alice <alice@example.test>\r\nTo: {{User}}\r\nSubject: through a milter\r\n"
                   "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <e2e@example.test>\r\n\r\nHello Bob.\r\n").encode()
            sig = dkim.sign(msg, b"sel1", b"example.test", open("{{key}}", "rb").read(), canonicalize=(b"relaxed", b"simple"),
                            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
            with smtplib.SMTP("127.0.0.1", {{_server.Port("smtp")}}, timeout=60) as s:
                s.sendmail("alice@example.test", ["{{User}}"], sig + msg)
            m = imaplib.IMAP4("127.0.0.1", {{_server.Port("imap")}})
            m.login("{{User}}", "{{Password}}")
            deadline = time.monotonic() + 30
            while True:
                typ, data = m.select("INBOX")
                if typ == "OK" and int(data[0]) >= 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            typ, data = m.fetch(b"1", "(RFC822)")
            raw = data[0][1]
            parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
            results = []
            for value in parsed.get_all("Authentication-Results") or []:
                field = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + " ".join(value.split()))
                results.append({"id": field.authserv_id, "methods": [r.method + "=" + r.result for r in field.results]})
            print(json.dumps({"results": results, "raw": raw.decode("utf-8", "replace")}))
            """, TimeSpan.FromSeconds(90));
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run) + _opendkim.Output);
        var stored = JsonDocument.Parse(run.Stdout).RootElement;
        var opendkim = stored.GetProperty("results").EnumerateArray().SingleOrDefault(r => r.GetProperty("id").GetString() == "opendkim.milter.test");
        opendkim.ValueKind.ShouldBe(JsonValueKind.Object, stored.ToString());
        opendkim.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).ShouldContain("dkim=pass", stored.ToString());
    }
}
