// Inbound verification cost per message: MessageAuthenticator (SPF through a fake that answers at
// once, DKIM, ARC, DMARC) over an in-memory resolver, so the figure is our CPU, not DNS latency.
// Keys are cached after the first message, as on a server receiving from the same senders.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Interchange.MailAuth;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Spf;
using Interchange.Transport.Dns;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var rsa = new RsaKeyPairGenerator();
rsa.Init(new RsaKeyGenerationParameters(Org.BouncyCastle.Math.BigInteger.ValueOf(65537), new SecureRandom(), 2048, 25));
var rsaPair = rsa.GenerateKeyPair();
var ed = new Ed25519KeyPairGenerator();
ed.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
var edPair = ed.GenerateKeyPair();

var dns = new TableDns(new Dictionary<string, string>
{
    ["rsa._domainkey.example.com"] = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(rsaPair.Public).GetEncoded()),
    ["ed._domainkey.example.com"] = "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(((Ed25519PublicKeyParameters)edPair.Public).GetEncoded()),
    ["_dmarc.example.com"] = "v=DMARC1; p=reject",
});
var authenticator = new MessageAuthenticator(dns, new PassingSpf(), PublicSuffixList.Load(), new MailAuthOptions());

var body = string.Concat(Enumerable.Repeat("A line of text of a typical message body, some seventy characters.\r\n", 60));
var plain = Message(body);
Console.WriteLine($"{messages} messages of {plain.Length} bytes each; {Environment.ProcessorCount} cores");
await RunAsync("unsigned (SPF + DMARC)", plain);
await RunAsync("RSA-2048 signed", Sign(rsaPair.Private, "rsa", DkimSignatureAlgorithm.RsaSha256));
await RunAsync("Ed25519 signed", Sign(edPair.Private, "ed", DkimSignatureAlgorithm.Ed25519Sha256));

async Task RunAsync(string name, byte[] message)
{
    await VerifyAsync(message); // warm up: JIT, key cache
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < messages; i++)
    {
        await VerifyAsync(message);
    }

    var one = messages / clock.Elapsed.TotalSeconds;
    clock.Restart();
    await Task.WhenAll(Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(async () =>
    {
        for (var i = 0; i < messages / Environment.ProcessorCount; i++)
        {
            await VerifyAsync(message);
        }
    })));
    var all = messages / Environment.ProcessorCount * Environment.ProcessorCount / clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-24} one thread {one,8:F0} msg/s ({1000 / one:F3} ms each)   {Environment.ProcessorCount} threads {all,8:F0} msg/s"));
}

async Task VerifyAsync(byte[] message)
{
    var verdict = await authenticator.VerifyAsync(new AuthenticationRequest(IPAddress.Loopback, "mail.example.com", "a@example.com", new MemoryStream(message), "mx.bench.test"), CancellationToken.None);
    if (verdict.Dmarc.Result != DmarcResult.Pass)
    {
        throw new InvalidOperationException("unexpected verdict: " + verdict.AuthenticationResults);
    }
}

byte[] Sign(AsymmetricKeyParameter key, string selector, DkimSignatureAlgorithm algorithm)
{
    var message = MimeMessage.Load(new MemoryStream(plain));
    new DkimSigner(key, "example.com", selector, algorithm)
    {
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
    }.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
    var output = new MemoryStream();
    var options = FormatOptions.Default.Clone();
    options.NewLineFormat = NewLineFormat.Dos;
    message.WriteTo(options, output);
    return output.ToArray();
}

static byte[] Message(string body) => Encoding.ASCII.GetBytes(
    "Received: from mail.example.com by mx.bench.test; Tue, 1 Dec 2026 10:00:00 +0000\r\n" +
    "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: bench\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n" +
    "Message-ID: <b1@example.com>\r\n\r\n" + body);

internal sealed class PassingSpf : ISpfVerifier
{
    public Task<SpfOutcome> VerifyMailFromAsync(IPAddress client, string helo, string mailFrom, CancellationToken cancellationToken) =>
        Task.FromResult(new SpfOutcome(SpfResult.Pass, "mailfrom", "example.com", mailFrom));

    public Task<SpfOutcome> VerifyHeloAsync(IPAddress client, string helo, CancellationToken cancellationToken) =>
        Task.FromResult(new SpfOutcome(SpfResult.Pass, "helo", helo, "postmaster@" + helo));
}

internal sealed class TableDns(Dictionary<string, string> txt) : IDnsResolver
{
    public Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(txt.TryGetValue(name, out var record) ? DnsLookup<string>.Found([record]) : DnsLookup<string>.NoSuchDomain(name));

    public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DnsLookup<IPAddress>> GetAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DnsLookup<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
}
