using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;

namespace Interchange.Core.Net.Sessions;

/// <summary>
/// One connection's byte streams as a session reads and writes them, for either side of a protocol
/// (a server session, or a client such as SMTP delivery to another server): the raw transport
/// wrapped once in <see cref="TimedPipeReader"/>/<see cref="TimedPipeWriter"/>, so deadlines and
/// minimum data rates hold before and after a TLS upgrade, and the upgrade itself (STARTTLS, STLS)
/// as server or client, after which <see cref="Input"/>, <see cref="Output"/> and
/// <see cref="Lines"/> read and write through TLS.
/// </summary>
public sealed class SessionTransport
{
    /// <summary>A TLS handshake that takes longer than this is given up, whatever the other deadlines.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(60);

    private readonly SessionControl _control;

    public SessionTransport(IDuplexPipe transport, SessionControl control, MinDataRate? rate, bool tls)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
        Input = new TimedPipeReader(transport.Input, control);
        Output = new TimedPipeWriter(transport.Output, control, rate);
        Lines = new LineReader(Input);
        IsTls = tls;
    }

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    /// <summary>Command lines (SMTP, POP3) read from <see cref="Input"/>.</summary>
    public LineReader Lines { get; }

    public bool IsTls { get; private set; }

    /// <summary>
    /// Drops whatever the peer sent ahead and is already buffered: plaintext pipelined behind
    /// STARTTLS/STLS must not be read as if it came over TLS (RFC 3207 4, RFC 2595 4). Call it
    /// before the go-ahead reply leaves: after that, what arrives may be the ClientHello.
    /// </summary>
    public long DiscardBuffered() => Lines.DiscardBuffered();

    /// <summary>Runs the server side of a TLS handshake on the connection and switches to it.</summary>
    public Task<SslStream> StartTlsAsServerAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        UpgradeAsync((ssl, token) => ssl.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            },
            token));

    /// <summary>Runs the client side of a TLS handshake (STARTTLS towards another server) and switches to it.</summary>
    public Task<SslStream> StartTlsAsClientAsync(SslClientAuthenticationOptions options) =>
        UpgradeAsync((ssl, token) => ssl.AuthenticateAsClientAsync(options, token));

    /// <summary>Sends what is buffered, then completes both pipes; quiet if the peer is already gone.</summary>
    public ValueTask CloseAsync() => PipeClosing.CloseQuietlyAsync(Input, Output);

    private async Task<SslStream> UpgradeAsync(Func<SslStream, CancellationToken, Task> handshake)
    {
        var ssl = new SslStream(new DuplexPipeStream(Input, Output), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_control.Token);
        timeout.CancelAfter(HandshakeTimeout);
        await handshake(ssl, timeout.Token).ConfigureAwait(false);

        // The TLS stream reads and writes through the timed pipes below it, so deadlines and rates still hold.
        Input = PipeReader.Create(ssl);
        Output = PipeWriter.Create(ssl);
        Lines.Reader = Input;
        IsTls = true;
        return ssl;
    }
}
