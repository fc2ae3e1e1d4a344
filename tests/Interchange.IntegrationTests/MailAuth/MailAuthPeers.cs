using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Interchange.MailAuth;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Spf;
using Interchange.Testing.Dns;
using Interchange.Transport.Dns;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Xunit;

namespace Interchange.IntegrationTests.MailAuth;

/// <summary>
/// The world the verification tests run in: keys (RSA-2048 and Ed25519) made here, published by dnsmasq on
/// 127.0.0.61, and the signers nobody here wrote (dkimpy, OpenDKIM) run on messages in a scratch folder.
/// </summary>
public sealed class MailAuthPeers : IAsyncLifetime
{
    public const string Domain = "example.test";
    public const string Forwarder = "fwd.test";
    public const string AuthservId = "mx.interchange.test";

    private readonly ScratchFolder _folder = new();
    private int _files;

    public DnsTestServer Dns { get; private set; } = null!;

    /// <summary>PKCS#1 PEM (dkimpy and OpenDKIM read it).</summary>
    public string RsaKeyPath { get; private set; } = "";

    /// <summary>The Ed25519 private key as dkimpy takes it: base64 of the 32-byte seed.</summary>
    public string Ed25519Seed { get; private set; } = "";

    public string RsaPublic { get; private set; } = "";

    public string Ed25519Public { get; private set; } = "";

    public static PublicSuffixList Suffixes { get; } = PublicSuffixList.Load();

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_folder.Path);
        using var rsa = RSA.Create(2048);
        RsaKeyPath = Path.Combine(_folder.Path, "rsa.pem");
        await File.WriteAllTextAsync(RsaKeyPath, rsa.ExportRSAPrivateKeyPem());
        RsaPublic = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());

        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        Ed25519Seed = Convert.ToBase64String(((Ed25519PrivateKeyParameters)pair.Private).GetEncoded());
        Ed25519Public = Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded());

        var records = new DnsTestRecords()
            .Txt($"rsa._domainkey.{Domain}", Strings($"v=DKIM1; k=rsa; p={RsaPublic}"))
            .Txt($"odk._domainkey.{Domain}", Strings($"v=DKIM1; k=rsa; p={RsaPublic}"))
            .Txt($"ed._domainkey.{Domain}", $"v=DKIM1; k=ed25519; p={Ed25519Public}")
            .Txt($"revoked._domainkey.{Domain}", "v=DKIM1; k=rsa; p=")
            .Txt($"huge._domainkey.{Domain}", Strings("v=DKIM1; k=rsa; p=" + new string('A', 6000)))
            .Txt($"arc._domainkey.{Forwarder}", Strings($"v=DKIM1; k=rsa; p={RsaPublic}"))
            .Txt($"_dmarc.{Domain}", "v=DMARC1; p=reject; adkim=s");
        Dns = await DnsTestServer.StartAsync(records, IPAddress.Parse("127.0.0.61"));
    }

    public async Task DisposeAsync()
    {
        await Dns.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>A resolver on <paramref name="server"/> (our dnsmasq when null), short timeouts, no cache.</summary>
    public IDnsResolver Resolver(string? server = null)
    {
        var options = new DnsOptions { Timeout = TimeSpan.FromMilliseconds(700), Retries = 0, UseCache = false };
        options.Servers.Add(server ?? Dns.Server);
        return new DnsClientResolver(options);
    }

    public MessageAuthenticator Authenticator(IDnsResolver? dns = null, MailAuthOptions? options = null) =>
        new(dns ?? Resolver(), new NoSpf(), Suffixes, options ?? new MailAuthOptions());

    public static Task<AuthenticationVerdict> VerifyAsync(MessageAuthenticator authenticator, byte[] message) =>
        authenticator.VerifyAsync(new AuthenticationRequest(IPAddress.Parse("192.0.2.1"), "mail.other.test", "bounce@other.test", new MemoryStream(message), AuthservId), CancellationToken.None);

    public static byte[] Message(string from = "Alice <alice@example.test>") => Encoding.ASCII.GetBytes(
        $"From: {from}\r\nTo: bob@example.net\r\nSubject: verification test\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n" +
        "Message-ID: <t1@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
        "Hello Bob,\r\n\r\nthis message is signed by a signer nobody here wrote.\r\n");

    /// <summary>Runs Debian's python3 (which sees python3-dkim and python3-authres) on <paramref name="script"/>
    /// with the message in a file as argv[1] and an output file as argv[2]; returns the output file's bytes.</summary>
    public async Task<byte[]> PythonAsync(string script, byte[] message, params string[] arguments)
    {
        var number = Interlocked.Increment(ref _files).ToString(CultureInfo.InvariantCulture);
        var input = Path.Combine(_folder.Path, $"in{number}.eml");
        var output = Path.Combine(_folder.Path, $"out{number}");
        await File.WriteAllBytesAsync(input, message);
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", script, input, output, .. arguments], timeout: TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("python3 failed: " + ExternalProcess.Describe(result));
        }

        return await File.ReadAllBytesAsync(output);
    }

    /// <summary>Signs with dkimpy (<c>dkim.sign</c>), relaxed/relaxed.</summary>
    public Task<byte[]> DkimpySignAsync(byte[] message, string selector, bool ed25519 = false) => PythonAsync(
        """
        import sys, dkim
        message = open(sys.argv[1], 'rb').read()
        selector, algorithm, key = sys.argv[3].encode(), sys.argv[4].encode(), sys.argv[5]
        key = open(key, 'rb').read() if algorithm == b'rsa-sha256' else key.encode()
        signature = dkim.sign(message, selector, b'example.test', key, canonicalize=(b'relaxed', b'relaxed'),
                              signature_algorithm=algorithm, include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
        open(sys.argv[2], 'wb').write(signature + message)
        """,
        message, selector, ed25519 ? "ed25519-sha256" : "rsa-sha256", ed25519 ? Ed25519Seed : RsaKeyPath);

    /// <summary>Seals with dkimpy (<c>dkim.arc_sign</c>) as the forwarder, after its own A-R field.</summary>
    public Task<byte[]> DkimpyArcSealAsync(byte[] message) => PythonAsync(
        """
        import sys, dkim
        message = b'Authentication-Results: fwd.test; dkim=pass header.d=example.test\r\n' + open(sys.argv[1], 'rb').read()
        arc = dkim.arc_sign(message, b'arc', b'fwd.test', open(sys.argv[3], 'rb').read(), b'fwd.test')
        if not arc:
            raise SystemExit('arc_sign produced nothing')
        open(sys.argv[2], 'wb').write(b''.join(arc) + message)
        """,
        message, RsaKeyPath);

    /// <summary>Signs with OpenDKIM's library through <c>opendkim-testmsg</c> (its signing mode: -d -s -k).</summary>
    public async Task<byte[]> OpenDkimSignAsync(byte[] message)
    {
        var result = await ExternalProcess.RunAsync("/usr/sbin/opendkim-testmsg", ["-C", "-d", Domain, "-s", "odk", "-k", RsaKeyPath, "-t", _folder.Path], stdin: Encoding.ASCII.GetString(message), timeout: TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0 || !result.Stdout.StartsWith("DKIM-Signature:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("opendkim-testmsg failed: " + ExternalProcess.Describe(result));
        }

        return Encoding.ASCII.GetBytes(result.Stdout);
    }

    // A DNS character-string holds 255 octets: long records are several strings, joined by the reader (RFC 6376 3.6.2.2).
    private static string[] Strings(string record) => record.Chunk(250).Select(c => new string(c)).ToArray();

    private sealed class NoSpf : ISpfVerifier
    {
        public Task<SpfOutcome> VerifyMailFromAsync(IPAddress client, string helo, string mailFrom, CancellationToken cancellationToken) =>
            Task.FromResult(new SpfOutcome(SpfResult.None, "mailfrom", mailFrom[(mailFrom.IndexOf('@') + 1)..], mailFrom));

        public Task<SpfOutcome> VerifyHeloAsync(IPAddress client, string helo, CancellationToken cancellationToken) =>
            Task.FromResult(new SpfOutcome(SpfResult.None, "helo", helo, "postmaster@" + helo));
    }
}
