using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Interchange.Server.Configuration;

namespace Interchange.Server.Hosting;

/// <summary>
/// The server's TLS certificate: the configured PEM or PKCS#12 file, or else a self-signed one
/// generated on first start (RSA 3072, SAN = primary domain, localhost, loopback addresses)
/// and kept in <c>DATA/tls</c> so clients can pin it across restarts.
/// </summary>
public static class TlsCertificates
{
    public static X509Certificate2 LoadOrCreate(DataFolder folder, TlsOptions options, string primaryDomain, out bool created)
    {
        created = false;
        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return LoadConfigured(options);
        }

        var certPath = Path.Combine(folder.TlsPath, "server.crt");
        var keyPath = Path.Combine(folder.TlsPath, "server.key");
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            CreateSelfSigned(primaryDomain, certPath, keyPath);
            created = true;
        }

        return X509Certificate2.CreateFromPemFile(certPath, keyPath);
    }

    private static X509Certificate2 LoadConfigured(TlsOptions options)
    {
        var path = options.CertificatePath!;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the configured TLS certificate {path} does not exist");
        }

        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".pfx" or ".p12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, options.Password);
        }

        return X509Certificate2.CreateFromPemFile(path, string.IsNullOrWhiteSpace(options.KeyPath) ? null : options.KeyPath);
    }

    private static void CreateSelfSigned(string primaryDomain, string certPath, string keyPath)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(certPath)!);
        using var key = RSA.Create(3072);
        var request = new CertificateRequest($"CN={primaryDomain}, O=Interchange self-signed", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(primaryDomain);
        if (!string.Equals(primaryDomain, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName("localhost");
        }

        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));

        // The key first, private to the owner, then the certificate: a crash between them leaves
        // no certificate, and the next start makes a new pair.
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
    }

    private static void WritePrivate(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }
}
