using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Interchange.IntegrationTests.Dns;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.MailAuth;

/// <summary>
/// Mail received on port 25 is judged through the SMTP session's built-in filter: messages are
/// signed by python3-dkim (dkimpy), sent with smtplib from 127.0.0.1, and read back with imaplib;
/// our Authentication-Results field is parsed by python3-authres. SPF, DKIM keys and DMARC
/// records come from dnsmasq on 127.0.0.130.
/// </summary>
public sealed class InboundAuthenticationTests(InboundAuthenticationTests.Server fixture) : IClassFixture<InboundAuthenticationTests.Server>, IAsyncLifetime
{
    private const string AuthservId = "mx.inbound.test";
    private const string Password = "a user's long password";
    private static int s_users;
    private readonly string _user = $"user{Interlocked.Increment(ref s_users)}@inbound.test";

    public async Task InitializeAsync()
    {
        var added = await InterchangeBinary.CliAsync(fixture.Data, Password + "\n", "user", "add", _user, "--password-stdin");
        added.ExitCode.ShouldBe(0, ExternalProcess.Describe(added));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>One DNS server and one Interchange for the class; each test has its own user.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private readonly ScratchFolder _data = new();
        private readonly ScratchFolder _keys = new();
        private DnsTestServer _dns = null!;
        private ServerProcess _server = null!;
        private string _privateKey = null!;

        public ServerProcess Process => _server;

        public string PrivateKey => _privateKey;

        public string Data => _data.Path;

        public async Task InitializeAsync()
        {
            using var rsa = RSA.Create(2048);
            System.IO.Directory.CreateDirectory(_keys.Path);
            _privateKey = Path.Combine(_keys.Path, "good.pem");
            await File.WriteAllTextAsync(_privateKey, rsa.ExportRSAPrivateKeyPem());
            var publicKey = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
            var records = new DnsTestRecords()
                .Txt("good.test", "v=spf1 ip4:127.0.0.0/8 -all")
                .Txt("_dmarc.good.test", "v=DMARC1; p=reject")
                .Txt("sel._domainkey.good.test", "v=DKIM1; k=rsa; p=" + publicKey[..200], publicKey[200..])
                .Txt("reject.test", "v=spf1 ip4:192.0.2.1 -all")
                .Txt("_dmarc.reject.test", "v=DMARC1; p=reject")
                .Txt("quarantine.test", "v=spf1 ip4:192.0.2.1 -all")
                .Txt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine");
            _dns = await DnsTestServer.StartAsync(records, IPAddress.Parse("127.0.0.130"));
            _server = await ServerProcess.StartAsync(_data.Path, ["smtp", "imap"], environment: new Dictionary<string, string>
            {
                ["INTERCHANGE__PrimaryDomain"] = "inbound.test",
                ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
                ["INTERCHANGE__Transport__Dns__Servers__0"] = _dns.Server,
                ["INTERCHANGE__Transport__Dns__UseCache"] = "false",
                ["INTERCHANGE__Smtp__Authentication__Enabled"] = "true",
                ["INTERCHANGE__Smtp__Authentication__AuthservId"] = AuthservId,
            });
        }

        public async Task DisposeAsync()
        {
            await _server.DisposeAsync();
            await _dns.DisposeAsync();
            _data.Dispose();
            _keys.Dispose();
        }
    }

    [Fact]
    public async Task A_message_signed_by_dkimpy_from_an_SPF_authorised_host_passes_everything_and_a_forged_field_is_removed()
    {
        var result = await SendAsync("bounce@good.test", "good.test", sign: true, extraHeader: $"Authentication-Results: {AuthservId}; dkim=pass header.d=forged.example");
        result.GetProperty("smtp").GetString().ShouldBe("ok", result.ToString());

        var stored = await ReadAsync("INBOX", 1);
        var fields = stored.GetProperty("results");
        fields.GetArrayLength().ShouldBe(1, stored.ToString()); // the forged one is gone
        var ours = fields[0];
        ours.GetProperty("authserv_id").GetString().ShouldBe(AuthservId);
        Method(ours, "dkim").ShouldBe("pass", ours.ToString());
        Method(ours, "spf").ShouldBe("pass", ours.ToString());
        Method(ours, "dmarc").ShouldBe("pass", ours.ToString());
        stored.GetProperty("raw").GetString()!.ShouldNotContain("forged.example");
    }

    [Fact]
    public async Task A_byte_changed_after_signing_fails_DKIM_but_aligned_SPF_still_passes_DMARC()
    {
        var result = await SendAsync("bounce@good.test", "good.test", sign: true, tamper: true);
        result.GetProperty("smtp").GetString().ShouldBe("ok", result.ToString());

        var ours = (await ReadAsync("INBOX", 1)).GetProperty("results")[0];
        Method(ours, "dkim").ShouldBe("fail", ours.ToString());
        Method(ours, "dmarc").ShouldBe("pass", ours.ToString());
    }

    [Fact]
    public async Task DMARC_reject_refuses_at_the_end_of_DATA_and_the_log_says_why()
    {
        var result = await SendAsync("someone@reject.test", "reject.test", sign: false);

        result.GetProperty("smtp").GetString().ShouldBe("550", result.ToString());
        await fixture.Process.WaitForLogAsync(l => l.Contains("rejected", StringComparison.Ordinal) && l.Contains("DMARC", StringComparison.Ordinal) && l.Contains("reject.test", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DMARC_quarantine_files_the_message_in_Junk()
    {
        var result = await SendAsync("someone@quarantine.test", "quarantine.test", sign: false);
        result.GetProperty("smtp").GetString().ShouldBe("ok", result.ToString());

        var junk = await ReadAsync("Junk", 1);
        Method(junk.GetProperty("results")[0], "dmarc").ShouldBe("fail");
        (await CountAsync("INBOX")).ShouldBe(0);
    }

    private static string Method(JsonElement field, string method) =>
        field.GetProperty("methods").EnumerateArray().First(m => m.GetProperty("method").GetString() == method).GetProperty("result").GetString()!;

    /// <summary>Builds a message From: <paramref name="fromDomain"/>, signs it with dkimpy when asked, sends it with smtplib; "ok" or the SMTP code.</summary>
    private async Task<JsonElement> SendAsync(string mailFrom, string fromDomain, bool sign, bool tamper = false, string? extraHeader = null)
    {
        var run = await ExternalProcess.DebianPythonAsync($$"""
            import dkim, json, smtplib
            from email.utils import formatdate, make_msgid
            headers = [
                {{(extraHeader is null ? "" : $"\"{extraHeader}\",")}}
                "From: Someone <someone@{{fromDomain}}>",
                "To: {{_user}}",
                "Subject: verification test",
                "Date: " + formatdate(),
                "Message-ID: " + make_msgid(domain="{{fromDomain}}"),
            ]
            msg = ("\r\n".join(headers) + "\r\n\r\nHello, this is the body.\r\n").encode()
            if {{(sign ? "True" : "False")}}:
                key = open("{{fixture.PrivateKey}}", "rb").read()
                sig = dkim.sign(msg, b"sel", b"{{fromDomain}}", key, canonicalize=(b"relaxed", b"relaxed"), include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
                msg = sig + msg
            if {{(tamper ? "True" : "False")}}:
                msg = msg.replace(b"this is the body", b"this is the b0dy")
            try:
                with smtplib.SMTP("127.0.0.1", {{fixture.Process.Port("smtp")}}, timeout=60) as s:
                    s.sendmail("{{mailFrom}}", ["{{_user}}"], msg)
                print(json.dumps({"smtp": "ok"}))
            except smtplib.SMTPResponseException as e:
                print(json.dumps({"smtp": str(e.smtp_code), "reply": e.smtp_error.decode()}))
            """, TimeSpan.FromSeconds(90));
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        return JsonDocument.Parse(run.Stdout).RootElement;
    }

    /// <summary>Waits (bounded) for <paramref name="count"/> messages in <paramref name="mailbox"/> and parses the last one's
    /// Authentication-Results fields with python3-authres.</summary>
    private async Task<JsonElement> ReadAsync(string mailbox, int count)
    {
        var run = await ExternalProcess.DebianPythonAsync($$"""
            import authres, email, email.policy, imaplib, json, time
            m = imaplib.IMAP4("127.0.0.1", {{fixture.Process.Port("imap")}})
            m.login("{{_user}}", "{{Password}}")
            deadline = time.monotonic() + 30
            while True:
                typ, data = m.select("{{mailbox}}")
                if typ == "OK" and int(data[0]) >= {{count}} or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert typ == "OK" and int(data[0]) >= {{count}}, (typ, data)
            typ, data = m.fetch(data[0].decode(), "(RFC822)")
            raw = data[0][1]
            msg = email.message_from_bytes(raw, policy=email.policy.compat32)
            results = []
            for value in msg.get_all("Authentication-Results") or []:
                parsed = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + " ".join(value.split()))
                results.append({"authserv_id": parsed.authserv_id, "methods": [{"method": r.method, "result": r.result} for r in parsed.results]})
            print(json.dumps({"results": results, "raw": raw.decode("utf-8", "replace")}))
            """, TimeSpan.FromSeconds(60));
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        return JsonDocument.Parse(run.Stdout).RootElement;
    }

    private async Task<int> CountAsync(string mailbox)
    {
        var run = await ExternalProcess.DebianPythonAsync($$"""
            import imaplib
            m = imaplib.IMAP4("127.0.0.1", {{fixture.Process.Port("imap")}})
            m.login("{{_user}}", "{{Password}}")
            typ, data = m.select("{{mailbox}}")
            print(int(data[0]) if typ == "OK" else 0)
            """);
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        return int.Parse(run.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
