using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Shouldly;

namespace Interchange.Tests.Core.Sessions;

/// <summary>
/// <see cref="SessionTransport"/> on both sides of one in-memory connection: the server side as the
/// protocols use it, the client side as delivery to another server will, each with its own control.
/// </summary>
public sealed class SessionTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Server_and_client_upgrade_to_TLS_and_lines_then_go_through_it()
    {
        using var certificate = SelfSigned();
        var (serverSide, clientSide) = Connection();
        using var serverControl = new SessionControl();
        using var clientControl = new SessionControl();
        var server = new SessionTransport(serverSide, serverControl, rate: null, tls: false);
        var client = new SessionTransport(clientSide, clientControl, rate: null, tls: false);

        var accepting = server.StartTlsAsServerAsync(certificate);
        var connecting = client.StartTlsAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "session.test",
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString(),
        });
        await Task.WhenAll(accepting, connecting).WaitAsync(Bound);

        server.IsTls.ShouldBeTrue();
        client.IsTls.ShouldBeTrue();
        (await connecting).NegotiatedCipherSuite.ShouldBe((await accepting).NegotiatedCipherSuite);

        await client.Output.WriteAsync(Encoding.ASCII.GetBytes("EHLO over tls\r\n"));
        var line = await server.Lines.ReadLineAsync(1000, () => ValueTask.CompletedTask, CancellationToken.None).AsTask().WaitAsync(Bound);
        line.ShouldBe(new Line(LineKind.Text, "EHLO over tls"));
    }

    [Fact]
    public async Task Plaintext_pipelined_before_the_upgrade_is_discarded_not_read()
    {
        var (serverSide, clientSide) = Connection();
        using var control = new SessionControl();
        var server = new SessionTransport(serverSide, control, rate: null, tls: false);

        await clientSide.Output.WriteAsync(Encoding.ASCII.GetBytes("STARTTLS\r\nMAIL FROM:<injected@example.test>\r\n"));
        (await server.Lines.ReadLineAsync(1000, () => ValueTask.CompletedTask, CancellationToken.None)).Text.ShouldBe("STARTTLS");

        server.DiscardBuffered().ShouldBe("MAIL FROM:<injected@example.test>\r\n".Length);
        await clientSide.Output.WriteAsync(Encoding.ASCII.GetBytes("NOOP\r\n"));
        (await server.Lines.ReadLineAsync(1000, () => ValueTask.CompletedTask, CancellationToken.None)).Text.ShouldBe("NOOP");
    }

    /// <summary>Two ends of one connection: what one writes, the other reads.</summary>
    private static (IDuplexPipe Server, IDuplexPipe Client) Connection()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        return (new Duplex(toServer.Reader, toClient.Writer), new Duplex(toClient.Reader, toServer.Writer));
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=session.test", key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // Through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
