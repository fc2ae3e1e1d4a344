using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>The certificate the implicit-TLS listeners present, as openssl sees it.</summary>
public sealed class TlsCertificateTests
{
    [Fact]
    public async Task WithoutConfiguration_TheSelfSignedCertificateNamesThePrimaryDomainAndLoopback()
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path, ["imaps", "http"], environment: new Dictionary<string, string> { ["INTERCHANGE__PrimaryDomain"] = "mail.example.test" });
        var text = await PresentedCertificateAsync(server.Port("imaps"));
        text.ShouldContain("CN = mail.example.test");
        text.ShouldContain("DNS:mail.example.test");
        text.ShouldContain("IP Address:127.0.0.1");
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("pfx")]
    public async Task AConfiguredCertificate_ReplacesTheSelfSignedOne(string format)
    {
        using var data = new ScratchFolder();
        using var certificates = new ScratchFolder();
        System.IO.Directory.CreateDirectory(certificates.Path);
        var key = Path.Combine(certificates.Path, "key.pem");
        var cert = Path.Combine(certificates.Path, "cert.pem");
        var made = await ExternalProcess.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=configured.example.test", "-days", "2"]);
        made.ExitCode.ShouldBe(0, ExternalProcess.Describe(made));

        var environment = new Dictionary<string, string>();
        if (format == "pem")
        {
            environment["INTERCHANGE__Tls__CertificatePath"] = cert;
            environment["INTERCHANGE__Tls__KeyPath"] = key;
        }
        else
        {
            var pfx = Path.Combine(certificates.Path, "server.pfx");
            var exported = await ExternalProcess.RunAsync("openssl", ["pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", "pass:s3cret"]);
            exported.ExitCode.ShouldBe(0, ExternalProcess.Describe(exported));
            environment["INTERCHANGE__Tls__CertificatePath"] = pfx;
            environment["INTERCHANGE__Tls__Password"] = "s3cret";
        }

        await using var server = await ServerProcess.StartAsync(data.Path, ["imaps", "http"], environment: environment);
        (await PresentedCertificateAsync(server.Port("imaps"))).ShouldContain("CN = configured.example.test");
        File.Exists(Path.Combine(data.Path, "tls", "server.crt")).ShouldBeFalse("no self-signed certificate is made when one is configured");
    }

    [Fact]
    public async Task AMissingConfiguredCertificate_IsAClearErrorAtStart()
    {
        using var data = new ScratchFolder();
        var result = await ExternalProcess.RunAsync(
            "dotnet",
            InterchangeBinary.Command("serve", "--data", data.Path, "--listen", "http=127.0.0.1:0"),
            environment: new Dictionary<string, string> { ["INTERCHANGE__Tls__CertificatePath"] = "/nonexistent/cert.pem", ["INTERCHANGE__Directory__PasswordIterations"] = "1000" });
        result.ExitCode.ShouldBe(1, ExternalProcess.Describe(result));
        result.Stderr.ShouldContain("interchange: TLS certificate: the configured TLS certificate /nonexistent/cert.pem does not exist");
    }

    private static async Task<string> PresentedCertificateAsync(int port)
    {
        var client = await ExternalProcess.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-showcerts"], stdin: "", timeout: TimeSpan.FromSeconds(30));
        var pem = client.Stdout[client.Stdout.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)..];
        pem = pem[..(pem.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal) + "-----END CERTIFICATE-----".Length)];
        var parsed = await ExternalProcess.RunAsync("openssl", ["x509", "-noout", "-subject", "-ext", "subjectAltName"], stdin: pem + "\n");
        parsed.ExitCode.ShouldBe(0, ExternalProcess.Describe(parsed));
        return parsed.Stdout;
    }
}
