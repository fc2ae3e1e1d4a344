using System.Text;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Interchange.Tests.MailAuth;

/// <summary>Keys made once per test run, messages to sign, and the DNS records that publish the keys.
/// Signing here uses MimeKit's signer: unit tests check our verification logic; the integration tests
/// have independent signers (dkimpy, OpenDKIM) judge it.</summary>
internal static class TestKeys
{
    public static readonly AsymmetricCipherKeyPair Rsa = MakeRsa(2048);
    public static readonly AsymmetricCipherKeyPair Rsa512 = MakeRsa(512);
    public static readonly AsymmetricCipherKeyPair Ed25519 = MakeEd25519();

    public static string RsaRecord(AsymmetricCipherKeyPair pair) =>
        "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded());

    public static string Ed25519Record => "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(((Ed25519PublicKeyParameters)Ed25519.Public).GetEncoded());

    public static MimeMessage Message(string from = "Alice <alice@example.com>", string body = "Hello,\r\nthis is a test.\r\n")
    {
        var text = $"From: {from}\r\nTo: bob@example.net\r\nSubject: test\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n{body}";
        return MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text)));
    }

    public static MimeMessage Signed(MimeMessage message, AsymmetricKeyParameter key, string domain, string selector, DkimSignatureAlgorithm algorithm = DkimSignatureAlgorithm.RsaSha256)
    {
        var signer = new DkimSigner(key, domain, selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        return message;
    }

    /// <summary>The message as bytes and back: what a verifier sees after the wire.</summary>
    public static MimeMessage Reload(MimeMessage message) => MimeMessage.Load(new MemoryStream(Bytes(message)));

    public static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    public static FakeDnsResolver Publish(this FakeDnsResolver dns, string name, params string[] txt)
    {
        dns.Answer(name, "TXT", DnsLookup<string>.Found(txt));
        return dns;
    }

    private static AsymmetricCipherKeyPair MakeRsa(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(Org.BouncyCastle.Math.BigInteger.ValueOf(65537), new SecureRandom(), bits, 25));
        return generator.GenerateKeyPair();
    }

    private static AsymmetricCipherKeyPair MakeEd25519()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return generator.GenerateKeyPair();
    }
}
