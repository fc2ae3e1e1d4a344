using System.Net;
using System.Text;
using Interchange.IntegrationTests.SmtpClient;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.Smtp.Client;
using Interchange.Smtp.Protocol;
using Interchange.Testing.Dns;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.MailAuth;

/// <summary>
/// The signature covers the bytes that leave: an 8-bit message to Postfix's smtp-sink without
/// 8BITMIME (<c>-8</c>) is converted to 7-bit by the SMTP client and signed after that, so
/// python3-dkim, reading keys from dnsmasq (127.0.0.175), passes what the sink received.
/// </summary>
public sealed class SignAfterDowngradeTests : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    public SignAfterDowngradeTests()
    {
        System.IO.Directory.CreateDirectory(_scratch.Path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_scratch.Path, (UnixFileMode)0x1FF); // smtp-sink writes as nobody
        }
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task EightBitMessage_ToAPeerWithout8BitMime_ConvertedThenSigned_PythonDkimPassesWhatArrived()
    {
        var keys = DkimKeyStore.InDataFolder(Path.Combine(_scratch.Path, "data"));
        var rsa = keys.Generate("origin.test", "r", DkimKeyAlgorithm.Rsa, 2048, DateTimeOffset.UtcNow);
        var ed = keys.Generate("origin.test", "e", DkimKeyAlgorithm.Ed25519, 0, DateTimeOffset.UtcNow);
        await using var dns = await DnsTestServer.StartAsync(new DnsTestRecords().Zone("origin.test")
            .Txt(rsa.Record.Name, [.. rsa.Record.Strings]).Txt(ed.Record.Name, [.. ed.Record.Strings]), IPAddress.Parse("127.0.0.175"));
        var signer = new OutboundSigner(new DkimKeyring(keys, TimeSpan.Zero), new DkimSigningOptions(), new ArcOptions(), "origin.test", "origin.test");

        var (address, port) = RemotePeer.NextEndpoint();
        var dump = Path.Combine(_scratch.Path, "sink");
        await using var sink = await RemotePeer.StartAsync(address, port, "/usr/sbin/smtp-sink", ["-u", "nobody", "-d", dump + "/%H%M%S.", "-8", $"{address}:{port}", "10"], readyLine: null);
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(address, port, "sink.test"), new SmtpClientOptions { HeloName = "client.origin.test", TlsMode = SmtpTlsMode.None });
        session.Capabilities.EightBitMime.ShouldBeFalse();
        var message = Encoding.UTF8.GetBytes("From: a@origin.test\r\nTo: b@dest.test\r\nSubject: umlauts\r\nMessage-ID: <d1@origin.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln — naïve café\r\n");
        SmtpPath.TryParse("<a@origin.test>", out var from, out _, out _).ShouldBeTrue();
        SmtpPath.TryParse("<b@dest.test>", out var to, out _, out _).ShouldBeTrue();
        var envelope = new SmtpOutboundEnvelope(from, [new SmtpOutboundRecipient(to)], SmtpBodyType.EightBitMime);

        var result = await session.SendAsync(envelope, new MemoryStream(message), message.Length, (content, ct) => signer.SignAsync(content, forwarded: false, ct));

        result.Delivered.Count().ShouldBe(1, result.ToString());
        result.Note.ShouldNotBeNull().ShouldContain("converted to 7-bit");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!System.IO.Directory.Exists(dump) || System.IO.Directory.GetFiles(dump).Length == 0)
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "smtp-sink wrote no dump");
            await Task.Delay(50);
        }

        // smtp-sink's dump: its X- lines and a 3-line Received field, then the data with LF line ends (the wire had CRLF).
        var lines = (await File.ReadAllTextAsync(System.IO.Directory.GetFiles(dump).Single(), Encoding.Latin1)).Split('\n').ToList();
        var first = lines.FindIndex(l => l.StartsWith("Received:", StringComparison.Ordinal)) + 3;
        var received = string.Join("\r\n", lines.Skip(first).SkipLast(2)) + "\r\n";
        received.ShouldStartWith("DKIM-Signature:");
        received.ShouldNotContain("Content-Transfer-Encoding: 8bit");
        Encoding.Latin1.GetBytes(received).ShouldAllBe(b => b < 128);
        var file = Path.Combine(_scratch.Path, "received.eml");
        await File.WriteAllTextAsync(file, received, Encoding.Latin1);

        var verdicts = await DkimVerifiers.PythonDkimAsync(file, dns.EndPoint);
        verdicts.Select(v => $"{v.Passed} {v.Selector}").Order().ShouldBe(["True e", "True r"], Case.Sensitive, received);
    }
}
