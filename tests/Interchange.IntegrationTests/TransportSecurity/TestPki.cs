namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// Certificates made with the openssl command line (not our code): a test CA, and server
/// certificates it issues or self-signed ones, each as PEM files in a folder; and the TLSA
/// association data of a certificate's public key as openssl computes it.
/// </summary>
public sealed class TestPki
{
    private readonly string _folder;

    private TestPki(string folder) => _folder = folder;

    public string CaFile => Path.Combine(_folder, "ca.pem");

    public static async Task<TestPki> CreateAsync(string folder)
    {
        System.IO.Directory.CreateDirectory(folder);
        var pki = new TestPki(folder);
        await pki.OpenSslAsync(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", Path.Combine(folder, "ca.key"),
            "-out", pki.CaFile, "-days", "30", "-subj", "/CN=Interchange Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return pki;
    }

    /// <summary>A certificate for <paramref name="host"/> (as its subjectAltName) issued by the test CA, or self-signed; returns (chain file, key file).</summary>
    public async Task<(string CertificateFile, string KeyFile)> IssueAsync(string name, string host, bool selfSigned = false)
    {
        var key = Path.Combine(_folder, name + ".key");
        var cert = Path.Combine(_folder, name + ".pem");
        var ext = Path.Combine(_folder, name + ".ext");
        await File.WriteAllTextAsync(ext, $"subjectAltName=DNS:{host}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        if (selfSigned)
        {
            await OpenSslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                "-days", "30", "-subj", $"/CN={host}", "-addext", $"subjectAltName=DNS:{host}");
        }
        else
        {
            var csr = Path.Combine(_folder, name + ".csr");
            await OpenSslAsync("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", $"/CN={host}");
            await OpenSslAsync("x509", "-req", "-in", csr, "-CA", CaFile, "-CAkey", Path.Combine(_folder, "ca.key"), "-CAcreateserial",
                "-out", cert, "-days", "30", "-extfile", ext);
        }

        return (cert, key);
    }

    /// <summary>The SHA-256 of the certificate's SubjectPublicKeyInfo (TLSA selector 1, matching type 1), in hex, by openssl.</summary>
    public static async Task<string> SpkiSha256Async(string certificateFile)
    {
        var result = await ExternalProcess.RunAsync("/bin/sh", ["-c", "openssl x509 -in \"$0\" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r", certificateFile]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("openssl failed:\n" + ExternalProcess.Describe(result));
        }

        return result.Stdout.Split(' ')[0].Trim();
    }

    private async Task OpenSslAsync(params string[] arguments)
    {
        var result = await ExternalProcess.RunAsync("openssl", arguments, workingDirectory: _folder);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("openssl failed:\n" + ExternalProcess.Describe(result));
        }
    }
}
