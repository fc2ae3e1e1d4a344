using Xunit;
using System.Text.Json;
using Shouldly;

namespace Interchange.IntegrationTests.Autoconfig;

/// <summary>
/// Client autoconfiguration of a server with only some listeners (IMAP over implicit TLS,
/// submission with STARTTLS, relay SMTP on its own port; no POP3), judged by independent readers:
/// Python's xml.etree reads Thunderbird's fields as Thunderbird's autoconfig reader does
/// (emailProvider, incomingServer/outgoingServer with type, hostname, port, socketType,
/// authentication, username), curl POSTs an Autodiscover request, Python's plistlib reads the
/// Apple profile (after OpenSSL has checked its signature); <c>interchange domain show</c> prints the SRV records of the configuration.
/// </summary>
public sealed class AutoconfigTests : IAsyncLifetime
{
    private const string Password = "alice-secret-1";
    private const string PublicHost = "mail.example.test";
    private readonly ScratchFolder _data = new();
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data.Path, ["smtp", "submission", "imaps", "http"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Web__PublicHostName"] = PublicHost,
        });
        var add = await InterchangeBinary.CliAsync(_data.Path, Password + "\n", "user", "add", "alice@example.test", "--password-stdin");
        add.ExitCode.ShouldBe(0, ExternalProcess.Describe(add));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _data.Dispose();
    }

    private string Url(string path) => $"http://127.0.0.1:{_server.Port("http")}{path}";

    [Theory]
    [InlineData("/.well-known/autoconfig/mail/config-v1.1.xml")]
    [InlineData("/mail/config-v1.1.xml")]
    public async Task Thunderbird_reads_the_bound_imap_and_submission_listeners(string path)
    {
        var reader = await ExternalProcess.DebianPythonAsync($$"""
            import json, urllib.request, xml.etree.ElementTree as ET
            body = urllib.request.urlopen({{JsonSerializer.Serialize(Url(path) + "?emailaddress=alice%40example.test")}}, timeout=20).read()
            root = ET.fromstring(body)
            assert root.tag == "clientConfig" and root.get("version") == "1.1", root.tag
            provider = root.find("emailProvider")
            def server(e):
                return {"type": e.get("type"), "hostname": e.findtext("hostname"), "port": int(e.findtext("port")),
                        "socketType": e.findtext("socketType"), "authentication": e.findtext("authentication"), "username": e.findtext("username")}
            print(json.dumps({
                "id": provider.get("id"),
                "domains": [d.text for d in provider.findall("domain")],
                "incoming": [server(e) for e in provider.findall("incomingServer")],
                "outgoing": [server(e) for e in provider.findall("outgoingServer")],
            }))
            """, TimeSpan.FromSeconds(30));
        reader.ExitCode.ShouldBe(0, ExternalProcess.Describe(reader));
        using var json = JsonDocument.Parse(reader.Stdout);
        var root = json.RootElement;
        root.GetProperty("id").GetString().ShouldBe("example.test");
        root.GetProperty("domains").EnumerateArray().Select(d => d.GetString()).ShouldBe(["example.test"]);

        var incoming = root.GetProperty("incoming").EnumerateArray().ToList();
        incoming.Count.ShouldBe(1, "only imaps is bound: no STARTTLS IMAP, no POP3");
        Check(incoming[0], "imap", _server.Port("imaps"), "SSL");

        var outgoing = root.GetProperty("outgoing").EnumerateArray().ToList();
        outgoing.Count.ShouldBe(1, "submission only: port 25 is for relay, never offered to clients");
        Check(outgoing[0], "smtp", _server.Port("submission"), "STARTTLS");
    }

    [Fact]
    public async Task An_unknown_domain_is_404()
    {
        var result = await ExternalProcess.RunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", Url("/mail/config-v1.1.xml?emailaddress=bob%40elsewhere.test")]);
        result.Stdout.ShouldBe("404");
    }

    [Fact]
    public async Task Autodiscover_answers_a_posted_request_in_the_outlook_response_schema()
    {
        var request = Path.Combine(_data.Path, "autodiscover-request.xml");
        await File.WriteAllTextAsync(request, """
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request>
                <EMailAddress>alice@example.test</EMailAddress>
                <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
              </Request>
            </Autodiscover>
            """);
        var answer = Path.Combine(_data.Path, "autodiscover-response.xml");
        var curl = await ExternalProcess.RunAsync("curl", ["-sS", "-X", "POST", "-H", "Content-Type: text/xml", "--data-binary", "@" + request, "-o", answer, "-w", "%{http_code}", Url("/Autodiscover/Autodiscover.xml")]);
        curl.Stdout.ShouldBe("200", ExternalProcess.Describe(curl));

        var reader = await ExternalProcess.DebianPythonAsync($$"""
            import json, xml.etree.ElementTree as ET
            A = "{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}"
            O = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
            root = ET.parse({{JsonSerializer.Serialize(answer)}}).getroot()
            assert root.tag == A + "Autodiscover", root.tag
            account = root.find(O + "Response").find(O + "Account")
            print(json.dumps({
                "action": account.findtext(O + "Action"),
                "protocols": [{c.tag[len(O):]: c.text for c in p} for p in account.findall(O + "Protocol")],
            }))
            """, TimeSpan.FromSeconds(30));
        reader.ExitCode.ShouldBe(0, ExternalProcess.Describe(reader));
        using var json = JsonDocument.Parse(reader.Stdout);
        json.RootElement.GetProperty("action").GetString().ShouldBe("settings");
        var protocols = json.RootElement.GetProperty("protocols").EnumerateArray().ToDictionary(p => p.GetProperty("Type").GetString()!);
        protocols.Keys.ShouldBe(["IMAP", "SMTP"], ignoreOrder: true);
        protocols["IMAP"].GetProperty("Server").GetString().ShouldBe(PublicHost);
        protocols["IMAP"].GetProperty("Port").GetString().ShouldBe(_server.Port("imaps").ToString(System.Globalization.CultureInfo.InvariantCulture));
        protocols["IMAP"].GetProperty("Encryption").GetString().ShouldBe("SSL");
        protocols["IMAP"].GetProperty("LoginName").GetString().ShouldBe("alice@example.test");
        protocols["SMTP"].GetProperty("Port").GetString().ShouldBe(_server.Port("submission").ToString(System.Globalization.CultureInfo.InvariantCulture));
        protocols["SMTP"].GetProperty("Encryption").GetString().ShouldBe("TLS");

        // A request with a DTD is answered with Autodiscover's error shape, not parsed.
        var hostile = await ExternalProcess.RunAsync("curl", ["-sS", "-X", "POST", "--data-binary", "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", Url("/autodiscover/autodiscover.xml")]);
        hostile.Stdout.ShouldContain("<ErrorCode>600</ErrorCode>");
        hostile.Stdout.ShouldNotContain("root:");
    }

    [Fact]
    public async Task The_apple_profile_is_served_to_a_signed_in_user_only()
    {
        var anonymous = await ExternalProcess.RunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", Url("/autoconfig/apple.mobileconfig")]);
        anonymous.Stdout.ShouldBe("401");
        var wrong = await ExternalProcess.RunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "alice@example.test:wrong", Url("/autoconfig/apple.mobileconfig")]);
        wrong.Stdout.ShouldBe("401");

        var file = Path.Combine(_data.Path, "alice.mobileconfig");
        var fetch = await ExternalProcess.RunAsync("curl", ["-sS", "-u", $"alice@example.test:{Password}", "-o", file, "-w", "%{http_code} %{content_type}", Url("/autoconfig/apple.mobileconfig")]);
        fetch.Stdout.ShouldStartWith("200 application/x-apple-aspen-config", customMessage: ExternalProcess.Describe(fetch));

        // Signed with the server's certificate: OpenSSL checks the CMS signature against that
        // certificate (self-signed here, so it is its own trust anchor) and hands out the content.
        var plist = Path.Combine(_data.Path, "alice.plist");
        var signer = Path.Combine(_data.Path, "signer.pem");
        var verify = await ExternalProcess.RunAsync("openssl", ["cms", "-verify", "-inform", "DER", "-in", file, "-CAfile", Path.Combine(_data.Path, "tls", "server.crt"), "-purpose", "any", "-out", plist, "-signer", signer]);
        verify.ExitCode.ShouldBe(0, ExternalProcess.Describe(verify));
        var subject = await ExternalProcess.RunAsync("openssl", ["x509", "-in", signer, "-noout", "-subject"]);
        subject.Stdout.ShouldContain("CN = example.test");

        var reader = await ExternalProcess.DebianPythonAsync($$"""
            import json, plistlib
            with open({{JsonSerializer.Serialize(plist)}}, "rb") as f:
                profile = plistlib.load(f)
            assert profile["PayloadType"] == "Configuration"
            print(json.dumps(profile["PayloadContent"]))
            """, TimeSpan.FromSeconds(30));
        reader.ExitCode.ShouldBe(0, ExternalProcess.Describe(reader));
        using var json = JsonDocument.Parse(reader.Stdout);
        var mail = json.RootElement.EnumerateArray().Single();
        mail.GetProperty("PayloadType").GetString().ShouldBe("com.apple.mail.managed");
        mail.GetProperty("EmailAddress").GetString().ShouldBe("alice@example.test");
        mail.GetProperty("EmailAccountType").GetString().ShouldBe("EmailTypeIMAP");
        mail.GetProperty("IncomingMailServerHostName").GetString().ShouldBe(PublicHost);
        mail.GetProperty("IncomingMailServerPortNumber").GetInt32().ShouldBe(_server.Port("imaps"));
        mail.GetProperty("OutgoingMailServerPortNumber").GetInt32().ShouldBe(_server.Port("submission"));
        mail.GetProperty("IncomingMailServerUsername").GetString().ShouldBe("alice@example.test");
        mail.EnumerateObject().Select(p => p.Name).ShouldNotContain(n => n.Contains("Password", StringComparison.Ordinal) && n != "OutgoingPasswordSameAsIncomingPassword", "no password in the profile");
    }

    [Fact]
    public async Task Domain_show_prints_the_srv_records_of_the_configured_listeners()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "interchange.json"), """
            { "Listen": { "pop3": "none", "pop3s": "none", "imap": "none", "imaps": "0.0.0.0:993", "submissions": "0.0.0.0:465", "submission": "none", "https": "0.0.0.0:443" },
              "Web": { "PublicHostName": "mail.example.test" } }
            """);
        var dkim = await InterchangeBinary.CliAsync(_data.Path, null, "dkim", "generate", "example.test");
        dkim.ExitCode.ShouldBe(0, ExternalProcess.Describe(dkim));

        var show = await InterchangeBinary.CliAsync(_data.Path, null, "domain", "show", "example.test");
        show.ExitCode.ShouldBe(0, ExternalProcess.Describe(show));
        var lines = show.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.ShouldContain("_imaps._tcp.example.test. 3600 IN SRV 0 1 993 mail.example.test.");
        lines.ShouldContain("_submissions._tcp.example.test. 3600 IN SRV 0 1 465 mail.example.test.");
        lines.ShouldContain("_submission._tcp.example.test. 3600 IN SRV 0 0 0 .");
        lines.ShouldContain("_imap._tcp.example.test. 3600 IN SRV 0 0 0 .");
        lines.ShouldContain("_pop3._tcp.example.test. 3600 IN SRV 0 0 0 .");
        lines.ShouldContain("_pop3s._tcp.example.test. 3600 IN SRV 0 0 0 .");
        lines.ShouldContain("autoconfig.example.test. 3600 IN CNAME mail.example.test.");
        lines.ShouldContain(l => l.StartsWith("example.test. 3600 IN MX 10 ", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("._domainkey.example.test. IN TXT \"v=DKIM1;", StringComparison.Ordinal), show.Stdout);

        var unknown = await InterchangeBinary.CliAsync(_data.Path, null, "domain", "show", "elsewhere.test");
        unknown.ExitCode.ShouldBe(1, ExternalProcess.Describe(unknown));
    }

    private static void Check(JsonElement server, string type, int port, string socketType)
    {
        server.GetProperty("type").GetString().ShouldBe(type);
        server.GetProperty("hostname").GetString().ShouldBe(PublicHost);
        server.GetProperty("port").GetInt32().ShouldBe(port);
        server.GetProperty("socketType").GetString().ShouldBe(socketType);
        server.GetProperty("authentication").GetString().ShouldBe("password-cleartext");
        server.GetProperty("username").GetString().ShouldBe("%EMAILADDRESS%");
    }
}
