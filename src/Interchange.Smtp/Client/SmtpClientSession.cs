using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Interchange.Core.Net;
using Interchange.Smtp.Protocol;
using Interchange.Storage.Content;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace Interchange.Smtp.Client;

/// <summary>
/// One outbound SMTP connection (RFC 5321 as the client): <see cref="ConnectAsync"/> connects,
/// reads the greeting, says EHLO (HELO after a 5xx), does STARTTLS and AUTH as the options say;
/// <see cref="SendAsync(SmtpOutboundEnvelope, MessageContent, CancellationToken)"/> runs one
/// transaction and may be called again for the next message to the same destination while
/// <see cref="IsReusable"/>; <see cref="QuitAsync"/> ends it. Every wait for the peer has a
/// timeout and every reply a size bound; a peer that misbehaves ends the session, and the
/// recipients without a final answer are deferred (4.4.x). Not for concurrent use.
/// </summary>
public sealed class SmtpClientSession : IAsyncDisposable
{
    private readonly SmtpTarget _target;
    private readonly SmtpClientOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private Stream _stream;
    private SmtpReplyLineReader _lines;
    private bool _broken;
    private bool _closed;
    private bool _needsReset;

    private SmtpClientSession(SmtpTarget target, SmtpClientOptions options, ILogger logger, Socket socket)
    {
        _target = target;
        _options = options;
        _logger = logger;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _lines = new SmtpReplyLineReader(PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true)));
    }

    public SmtpTarget Target => _target;

    public SmtpReply? Greeting { get; private set; }

    public SmtpServerCapabilities Capabilities { get; private set; } = SmtpServerCapabilities.None;

    public SmtpTlsOutcome Tls { get; private set; } = SmtpTlsOutcome.None;

    /// <summary>True after AUTH succeeded.</summary>
    public bool Authenticated { get; private set; }

    /// <summary>Messages sent (transactions that reached the data) on this connection.</summary>
    public int Transactions { get; private set; }

    /// <summary>The connection can carry another transaction.</summary>
    public bool IsReusable => !_broken && !_closed;

    /// <summary>
    /// Connects and sets the session up. Throws <see cref="SmtpClientException"/> when the peer
    /// cannot be used (nothing was sent); <see cref="OperationCanceledException"/> only for
    /// <paramref name="cancellationToken"/>.
    /// </summary>
    public static async Task<SmtpClientSession> ConnectAsync(SmtpTarget target, SmtpClientOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var socket = new Socket(target.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var timeout = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                await socket.ConnectAsync(target.EndPoint, linked.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            var why = ex is SocketException se ? se.SocketErrorCode.ToString() : "timed out";
            logger.LogInformation("smtp-out {Target}: connect failed: {Why}", target, why);
            throw new SmtpClientException("connect", new SmtpReply(451, "4.4.1", $"connect to {target} failed: {why}"), local: true, inner: ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var session = new SmtpClientSession(target, options, logger, socket);
        try
        {
            await session.SetUpAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            // RFC 5321 3.1: 220 opens the session; 554 (or anything else) means no service here.
            var greeting = await ReadReplyAsync(_options.GreetingTimeout, "greeting", cancellationToken).ConfigureAwait(false);
            Greeting = greeting;
            if (greeting.Code != 220)
            {
                await TryQuitAsync(cancellationToken).ConfigureAwait(false);
                throw new SmtpClientException("greeting", greeting, local: false, permanent: greeting.Code >= 500);
            }

            await HelloAsync(cancellationToken).ConfigureAwait(false);
            await StartTlsAsync(cancellationToken).ConfigureAwait(false);
            await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SessionBrokenException ex)
        {
            throw new SmtpClientException(ex.Stage, ex.Reply, local: true, inner: ex);
        }
    }

    private async Task HelloAsync(CancellationToken cancellationToken)
    {
        var ehlo = await CommandAsync($"EHLO {_options.HeloName}", _options.CommandTimeout, "ehlo", cancellationToken).ConfigureAwait(false);
        if (ehlo.Code == 250)
        {
            Capabilities = SmtpServerCapabilities.Parse(ehlo.Lines);
            return;
        }

        // RFC 5321 4.1.4 (and 3.2): a server that does not know EHLO answers 5xx; try HELO.
        if (ehlo.Code >= 500)
        {
            var helo = await CommandAsync($"HELO {_options.HeloName}", _options.CommandTimeout, "helo", cancellationToken).ConfigureAwait(false);
            if (helo.Code == 250)
            {
                Capabilities = SmtpServerCapabilities.None;
                return;
            }

            ehlo = helo;
        }

        await TryQuitAsync(cancellationToken).ConfigureAwait(false);
        throw new SmtpClientException("ehlo", ehlo, local: false);
    }

    private async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        var mode = _options.TlsMode;
        var required = mode is SmtpTlsMode.Encrypt or SmtpTlsMode.Verify;
        if (mode == SmtpTlsMode.None)
        {
            return;
        }

        if (!Capabilities.StartTls)
        {
            if (required)
            {
                // Never in clear when TLS is required: nothing of the message has been sent.
                await TryQuitAsync(cancellationToken).ConfigureAwait(false);
                throw new SmtpClientException("starttls", new SmtpReply(421, "4.7.10", $"TLS is required but {_target.HostName} does not offer STARTTLS"), local: true, tlsFailure: SmtpTlsFailure.StarttlsNotSupported);
            }

            return;
        }

        var reply = await CommandAsync("STARTTLS", _options.CommandTimeout, "starttls", cancellationToken).ConfigureAwait(false);
        if (reply.Code != 220)
        {
            if (required)
            {
                await TryQuitAsync(cancellationToken).ConfigureAwait(false);
                throw new SmtpClientException("starttls", reply, local: false, tlsFailure: SmtpTlsFailure.StarttlsNotSupported);
            }

            _logger.LogInformation("smtp-out {Target}: STARTTLS refused ({Reply}), going on in clear", _target, reply);
            return;
        }

        // RFC 3207 4.2 / STYLE.md: anything the peer sent after its 220 is plaintext that must not
        // be read as if it came over TLS; the old reader is dropped with whatever it holds.
        var dropped = _lines.DiscardBuffered();
        if (dropped > 0)
        {
            _logger.LogWarning("smtp-out {Target}: discarded {Bytes} bytes sent in clear after 220 to STARTTLS", _target, dropped);
        }

        PeerCertificateVerdict? verdict = null;
        var ssl = new SslStream(new NetworkStream(_socket, ownsSocket: false), leaveInnerStreamOpen: false, (_, certificate, chain, errors) =>
        {
            verdict = Judge(certificate, chain, errors);
            // RFC 7435: opportunistic TLS takes any certificate; Verify requires a valid one.
            return verdict.Authenticated || mode != SmtpTlsMode.Verify;
        });
        try
        {
            using var timeout = new CancellationTokenSource(_options.CommandTimeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _target.HostName,
                EnabledSslProtocols = SslProtocols.None, // the system's choice: TLS 1.2 and 1.3
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            _broken = true;
            var refused = mode == SmtpTlsMode.Verify && verdict is { Authenticated: false };
            var why = ex is OperationCanceledException ? "timed out" : refused ? $"certificate not authenticated: {verdict!.Detail}" : ex.Message;
            _logger.LogInformation("smtp-out {Target}: TLS handshake failed: {Why}", _target, why);
            var enhanced = mode == SmtpTlsMode.Verify && ex is AuthenticationException ? "4.7.5" : "4.7.0";
            var failure = refused ? verdict!.Failure ?? SmtpTlsFailure.ValidationFailure : SmtpTlsFailure.ValidationFailure;
            throw new SmtpClientException("tls", new SmtpReply(421, enhanced, $"TLS handshake with {_target.HostName} failed: {why}"), local: true, tlsHandshakeFailed: true, inner: ex, tlsFailure: failure);
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _stream = ssl;
        _lines = new SmtpReplyLineReader(PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true)));
        var verified = verdict is { Authenticated: true };
        Tls = new SmtpTlsOutcome(verified ? SmtpTlsLevel.Verified : SmtpTlsLevel.Opportunistic, ssl.SslProtocol, ssl.NegotiatedCipherSuite.ToString(), ssl.RemoteCertificate?.Subject)
        {
            Unverified = verified ? null : verdict ?? PeerCertificateVerdict.Invalid(SmtpTlsFailure.ValidationFailure, "no certificate"),
            VerifiedBy = verified ? verdict!.Detail : null,
        };
        _logger.LogInformation("smtp-out {Target}: TLS {Tls}", _target, Tls);

        // RFC 3207 4.2: forget what was learnt in clear and ask again.
        Capabilities = SmtpServerCapabilities.None;
        await HelloAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Is the peer authenticated: by the options' validator (DANE), else by PKIX (RFC 5280) with the
    /// system's anchors or <see cref="SmtpClientOptions.TrustAnchors"/>, and the host's name (RFC 6125).
    /// The failure is named as RFC 8460 4.3.1 does, for TLS reporting.
    /// </summary>
    private PeerCertificateVerdict Judge(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return PeerCertificateVerdict.Invalid(SmtpTlsFailure.ValidationFailure, "the peer sent no certificate");
        }

        if (_options.PeerValidator is { } validator)
        {
            using var leaf = new X509Certificate2(certificate);
            return validator.Validate(_target.HostName, leaf, chain, errors);
        }

        if (errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && ChainsToAnchor(certificate)))
        {
            return PeerCertificateVerdict.Valid("PKIX");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return PeerCertificateVerdict.Invalid(SmtpTlsFailure.CertificateHostMismatch, $"the certificate ({certificate.Subject}) does not name {_target.HostName}");
        }

        var expired = chain?.ChainStatus.Any(s => s.Status is X509ChainStatusFlags.NotTimeValid) == true;
        return expired
            ? PeerCertificateVerdict.Invalid(SmtpTlsFailure.CertificateExpired, $"the certificate ({certificate.Subject}) has expired or is not yet valid")
            : PeerCertificateVerdict.Invalid(SmtpTlsFailure.CertificateNotTrusted, $"the certificate ({certificate.Subject}) does not chain to a trusted anchor");
    }

    private bool ChainsToAnchor(X509Certificate certificate)
    {
        if (_options.TrustAnchors is not { Count: > 0 } anchors)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf) && leaf.MatchesHostname(_target.HostName);
    }

    private async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        if (_options.Credentials is not { } credentials)
        {
            return;
        }

        // RFC 4954 4: credentials in clear are for links the caller trusts, said explicitly.
        if (Tls.Level == SmtpTlsLevel.None && !_options.AllowPlaintextAuth)
        {
            await TryQuitAsync(cancellationToken).ConfigureAwait(false);
            throw new SmtpClientException("auth", new SmtpReply(421, "4.7.10", "AUTH needs TLS and the session has none"), local: true);
        }

        var mechanisms = Capabilities.AuthMechanisms;
        SmtpReply reply;
        if (mechanisms.Contains("PLAIN"))
        {
            // RFC 4616: authzid NUL authcid NUL passwd, as an initial response (RFC 4954 4).
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{credentials.UserName}\0{credentials.Password}"));
            reply = await CommandAsync($"AUTH PLAIN {plain}", _options.CommandTimeout, "auth", cancellationToken, logAs: "AUTH PLAIN ***").ConfigureAwait(false);
        }
        else if (mechanisms.Contains("LOGIN"))
        {
            reply = await CommandAsync("AUTH LOGIN", _options.CommandTimeout, "auth", cancellationToken).ConfigureAwait(false);
            if (reply.Code == 334)
            {
                reply = await CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.UserName)), _options.CommandTimeout, "auth", cancellationToken, logAs: "*** (user name)").ConfigureAwait(false);
            }

            if (reply.Code == 334)
            {
                reply = await CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Password)), _options.CommandTimeout, "auth", cancellationToken, logAs: "*** (password)").ConfigureAwait(false);
            }
        }
        else
        {
            await TryQuitAsync(cancellationToken).ConfigureAwait(false);
            throw new SmtpClientException("auth", new SmtpReply(421, "4.7.12", $"{_target.HostName} offers no AUTH PLAIN or LOGIN ({Capabilities})"), local: true);
        }

        if (reply.Code != 235)
        {
            // A refused login is a configuration problem, not the message's: temporary (as Postfix defers).
            await TryQuitAsync(cancellationToken).ConfigureAwait(false);
            throw new SmtpClientException("auth", reply, local: false);
        }

        Authenticated = true;
    }

    /// <summary>Sends one message held in the store.</summary>
    public Task<SmtpDeliveryResult> SendAsync(SmtpOutboundEnvelope envelope, MessageContent content, CancellationToken cancellationToken = default) =>
        SendAsync(envelope, content, signer: null, cancellationToken);

    /// <summary>Sends one message held in the store, with the fields <paramref name="signer"/> gives for the bytes that leave (DKIM, ARC).</summary>
    public Task<SmtpDeliveryResult> SendAsync(SmtpOutboundEnvelope envelope, MessageContent content, SmtpContentSigner? signer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return SendAsync(envelope, content.OpenRead(), content.Length, signer, cancellationToken);
    }

    /// <summary>
    /// Runs one transaction for <paramref name="envelope"/> with <paramref name="length"/> bytes
    /// of <paramref name="content"/> (read from its current position; the stream is disposed).
    /// Problems with the peer come back in the result, never as exceptions.
    /// </summary>
    public Task<SmtpDeliveryResult> SendAsync(SmtpOutboundEnvelope envelope, Stream content, long length, CancellationToken cancellationToken = default) =>
        SendAsync(envelope, content, length, signer: null, cancellationToken);

    /// <summary>As <see cref="SendAsync(SmtpOutboundEnvelope, Stream, long, CancellationToken)"/>, signed by <paramref name="signer"/> after any 7-bit conversion.</summary>
    public async Task<SmtpDeliveryResult> SendAsync(SmtpOutboundEnvelope envelope, Stream content, long length, SmtpContentSigner? signer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(content);
        if (!IsReusable)
        {
            await content.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("the session is closed or broken");
        }

        if (envelope.Recipients.Count == 0)
        {
            await content.DisposeAsync().ConfigureAwait(false);
            throw new ArgumentException("no recipients", nameof(envelope));
        }

        // Streams made on the way (a copy, the 7-bit conversion, maybe a temporary file) go with the caller's.
        var owned = new List<Stream> { content };
        try
        {
            return await TransactionAsync(envelope, content, length, signer, owned, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var stream in owned)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<SmtpDeliveryResult> TransactionAsync(SmtpOutboundEnvelope envelope, Stream content, long length, SmtpContentSigner? signer, List<Stream> owned, CancellationToken cancellationToken)
    {
        var caps = Capabilities;
        var recipients = envelope.Recipients;

        // RFC 6531 3.4: a message that needs SMTPUTF8 is not sent to a server without it (5.6.7).
        var refused = new List<SmtpRecipientOutcome>();
        if (!caps.SmtpUtf8 && (envelope.SmtpUtf8 || envelope.ReversePath.IsInternational))
        {
            var reply = new SmtpReply(553, "5.6.7", $"{_target.HostName} does not support SMTPUTF8, which this message needs");
            return Refuse(recipients, reply, "SMTPUTF8 needed");
        }

        if (!caps.SmtpUtf8)
        {
            var reply = new SmtpReply(553, "5.6.7", $"{_target.HostName} does not support SMTPUTF8, which this address needs");
            refused.AddRange(recipients.Where(r => r.Address.IsInternational).Select(r => new SmtpRecipientOutcome(r, SmtpOutcomeKind.Failed, reply, Local: true)));
            recipients = recipients.Where(r => !r.Address.IsInternational).ToList();
            if (recipients.Count == 0)
            {
                return new SmtpDeliveryResult(refused, reply, IsReusable, "SMTPUTF8 needed");
            }
        }

        // RFC 6152 3 / RFC 3030 3: 8-bit data only to a server that takes it; convert otherwise.
        var bodyType = envelope.BodyType;
        var useChunking = caps.Chunking && (_options.PreferChunking || bodyType == SmtpBodyType.BinaryMime);
        string? note = null;
        var binaryOk = caps.BinaryMime && caps.Chunking;
        if ((bodyType == SmtpBodyType.EightBitMime && !caps.EightBitMime) || (bodyType == SmtpBodyType.BinaryMime && !binaryOk))
        {
            var constraint = caps.EightBitMime ? EncodingConstraint.EightBit : EncodingConstraint.SevenBit;
            var buffered = await BufferAsync(content, length, cancellationToken).ConfigureAwait(false);
            owned.Add(buffered);
            content = buffered;
            if (constraint == EncodingConstraint.SevenBit && !await SevenBitDowngrade.HasEightBitAsync(buffered, cancellationToken).ConfigureAwait(false))
            {
                buffered.Position = 0;
                bodyType = SmtpBodyType.SevenBit;
                note = "declared 8-bit but is 7-bit: sent as 7BIT";
            }
            else
            {
                buffered.Position = 0;
                var converted = await SevenBitDowngrade.ConvertAsync(buffered, length, constraint, _options.DowngradeInMemoryLimit, cancellationToken).ConfigureAwait(false);
                owned.Add(converted);
                content = converted;
                length = converted.Length;
                bodyType = caps.EightBitMime && constraint == EncodingConstraint.EightBit ? SmtpBodyType.EightBitMime : SmtpBodyType.SevenBit;
                note = $"converted to {(bodyType == SmtpBodyType.SevenBit ? "7-bit" : "8-bit")} for a peer without {(envelope.BodyType == SmtpBodyType.BinaryMime ? "BINARYMIME" : "8BITMIME")}";
            }

            _logger.LogInformation("smtp-out {Target}: {Note}", _target, note);
        }

        // DKIM and ARC sign the bytes that leave: after the conversion above, never before (RFC 6376 5.3).
        if (signer is not null)
        {
            if (!content.CanSeek)
            {
                var buffered = await BufferAsync(content, length, cancellationToken).ConfigureAwait(false);
                owned.Add(buffered);
                content = buffered;
            }

            var start = content.Position;
            var fields = await signer(content, cancellationToken).ConfigureAwait(false);
            content.Position = start;
            if (fields.Length > 0)
            {
                // The fields, then the message from where it starts: the two seekable streams joined, nothing copied.
                var prefixed = new Interchange.Mime.Encodings.JoinedStream(
                    new MemoryStream(fields, writable: false),
                    new Interchange.Mime.Encodings.ByteRangeStream(content, start, content.Length - start, leaveOpen: true));
                owned.Add(prefixed);
                content = prefixed;
                length += fields.Length;
            }
        }

        // RFC 1870 6.1: not sent at all when the server said it is too big.
        if (caps.MaxSize > 0 && length > caps.MaxSize)
        {
            return Refuse(recipients, new SmtpReply(552, "5.3.4", $"message size {length} exceeds {_target.HostName}'s limit of {caps.MaxSize}"), "SIZE", refused);
        }

        if (_needsReset)
        {
            var reset = await TryResetAsync(cancellationToken).ConfigureAwait(false);
            if (!reset)
            {
                return Broken(recipients, refused, null, [], new SmtpReply(451, "4.4.2", "RSET before the transaction failed"), note);
            }
        }

        var mail = BuildMail(envelope, bodyType, length, caps);
        var rcpts = recipients.Select(r => BuildRcpt(r, caps)).ToList();
        SmtpReply? mailReply = null;
        var rcptReplies = new List<SmtpReply>();
        SmtpReply? dataReply = null;
        try
        {
            var pipelined = caps.Pipelining && _options.UsePipelining;
            SmtpReply? dataInit = null;
            if (pipelined)
            {
                // RFC 2920 3.1: MAIL, every RCPT and DATA (the last of the group) in one write,
                // then the replies in the order of the commands.
                var group = new List<string> { mail };
                group.AddRange(rcpts);
                if (!useChunking)
                {
                    group.Add("DATA");
                }

                await WriteLinesAsync(group, _options.MailTimeout, cancellationToken).ConfigureAwait(false);
                mailReply = await ReadReplyAsync(_options.MailTimeout, "MAIL", cancellationToken).ConfigureAwait(false);
                foreach (var _ in rcpts)
                {
                    rcptReplies.Add(await ReadReplyAsync(_options.RcptTimeout, "RCPT", cancellationToken).ConfigureAwait(false));
                }

                if (!useChunking)
                {
                    dataInit = await ReadReplyAsync(_options.DataInitTimeout, "DATA", cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                mailReply = await CommandAsync(mail, _options.MailTimeout, "MAIL", cancellationToken).ConfigureAwait(false);
                if (!mailReply.IsError)
                {
                    foreach (var rcpt in rcpts)
                    {
                        var reply = await CommandAsync(rcpt, _options.RcptTimeout, "RCPT", cancellationToken).ConfigureAwait(false);
                        rcptReplies.Add(reply);
                        if (reply.Code == 421)
                        {
                            break;
                        }
                    }
                }
            }

            var accepted = !mailReply.IsError && rcptReplies.Count == rcpts.Count && rcptReplies.Any(r => !r.IsError);
            if ((Closing(mailReply) ?? rcptReplies.Select(Closing).FirstOrDefault(r => r is not null) ?? Closing(dataInit)) is { } closing)
            {
                _broken = true;
                return Finish(recipients, refused, mailReply, rcptReplies, null, closing, note);
            }

            if (!accepted)
            {
                if (dataInit is { Code: 354 })
                {
                    // RFC 2920 3.1: DATA accepted although no recipient was; send an empty message
                    // ended at once, whose answer is then ignored.
                    await WriteRawAsync(".\r\n"u8.ToArray(), _options.DataBlockTimeout, cancellationToken).ConfigureAwait(false);
                    await ReadReplyAsync(_options.DataFinalTimeout, "end of data", cancellationToken).ConfigureAwait(false);
                }

                _needsReset = true;
                return Finish(recipients, refused, mailReply, rcptReplies, null, null, note);
            }

            if (useChunking)
            {
                dataReply = await SendChunksAsync(content, length, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                dataInit ??= await CommandAsync("DATA", _options.DataInitTimeout, "DATA", cancellationToken).ConfigureAwait(false);
                if (dataInit.Code != 354)
                {
                    _needsReset = true;
                    _broken |= dataInit.Code == 421;
                    return Finish(recipients, refused, mailReply, rcptReplies, dataInit, null, note);
                }

                dataReply = await SendDataAsync(content, cancellationToken).ConfigureAwait(false);
            }

            Transactions++;
            _broken |= dataReply.Code == 421;
            _needsReset = dataReply.IsError;
            return Finish(recipients, refused, mailReply, rcptReplies, dataReply, null, note);
        }
        catch (SessionBrokenException ex)
        {
            return Broken(recipients, refused, mailReply, rcptReplies, ex.Reply, note);
        }
        catch
        {
            // The content failed (gone, shorter than said) or the caller cancelled mid-transaction:
            // where the peer stands is unknown, so the connection is not used again.
            _broken = true;
            Abort();
            throw;
        }
    }

    private static SmtpReply? Closing(SmtpReply? reply) => reply is { Code: 421 } ? reply : null;

    private SmtpDeliveryResult Refuse(IReadOnlyList<SmtpOutboundRecipient> recipients, SmtpReply reply, string note, List<SmtpRecipientOutcome>? already = null)
    {
        _logger.LogInformation("smtp-out {Target}: not sent: {Reply}", _target, reply);
        var outcomes = new List<SmtpRecipientOutcome>(already ?? []);
        outcomes.AddRange(recipients.Select(r => new SmtpRecipientOutcome(r, SmtpTransactionOutcome.KindOf(reply), reply, Local: true)));
        return new SmtpDeliveryResult(outcomes, reply, IsReusable, note);
    }

    private SmtpDeliveryResult Finish(IReadOnlyList<SmtpOutboundRecipient> recipients, List<SmtpRecipientOutcome> refused, SmtpReply? mailReply, List<SmtpReply> rcptReplies, SmtpReply? dataReply, SmtpReply? broken, string? note)
    {
        var outcomes = new List<SmtpRecipientOutcome>(refused);
        outcomes.AddRange(SmtpTransactionOutcome.Resolve(recipients, mailReply, rcptReplies, dataReply, broken));
        var final = dataReply ?? broken ?? (mailReply is { IsError: true } ? mailReply : rcptReplies.LastOrDefault(r => r.IsError)) ?? mailReply;
        return new SmtpDeliveryResult(outcomes, final, IsReusable, note);
    }

    private SmtpDeliveryResult Broken(IReadOnlyList<SmtpOutboundRecipient> recipients, List<SmtpRecipientOutcome> refused, SmtpReply? mailReply, List<SmtpReply> rcptReplies, SmtpReply broken, string? note)
    {
        _broken = true;
        Abort();
        return Finish(recipients, refused, mailReply, rcptReplies, null, broken, note);
    }

    private static string BuildMail(SmtpOutboundEnvelope envelope, SmtpBodyType bodyType, long length, SmtpServerCapabilities caps)
    {
        var text = new StringBuilder("MAIL FROM:").Append(envelope.ReversePath);
        if (caps.Size)
        {
            text.Append(" SIZE=").Append(length);
        }

        if (bodyType == SmtpBodyType.EightBitMime && caps.EightBitMime)
        {
            text.Append(" BODY=8BITMIME");
        }
        else if (bodyType == SmtpBodyType.BinaryMime)
        {
            text.Append(" BODY=BINARYMIME");
        }

        if (envelope.SmtpUtf8 && caps.SmtpUtf8)
        {
            text.Append(" SMTPUTF8");
        }

        // RFC 3461 4: DSN parameters only to a server that offers DSN.
        if (caps.Dsn)
        {
            if (envelope.Return != SmtpDsnReturn.Unspecified)
            {
                text.Append(" RET=").Append(envelope.Return == SmtpDsnReturn.Full ? "FULL" : "HDRS");
            }

            if (!string.IsNullOrEmpty(envelope.EnvelopeId))
            {
                text.Append(" ENVID=").Append(SmtpParameters.EncodeXtext(envelope.EnvelopeId));
            }
        }

        return text.ToString();
    }

    private static string BuildRcpt(SmtpOutboundRecipient recipient, SmtpServerCapabilities caps)
    {
        var text = new StringBuilder("RCPT TO:").Append(recipient.Address);
        if (caps.Dsn)
        {
            if (recipient.Notify is { Length: > 0 } notify && notify.All(c => char.IsAsciiLetter(c) || c == ','))
            {
                text.Append(" NOTIFY=").Append(notify.ToUpperInvariant());
            }

            // Kept as received (addr-type ";" xtext); checked again so that nothing decoded to CR/LF goes out.
            if (recipient.OriginalRecipient is { } orcpt && orcpt.IndexOf(';') is > 0 and var semi
                && SmtpParameters.DecodeXtext(orcpt[(semi + 1)..]) is { } decoded && !decoded.Any(char.IsControl)
                && orcpt.All(c => c is > ' ' and <= '~'))
            {
                text.Append(" ORCPT=").Append(orcpt);
            }
        }

        return text.ToString();
    }

    private async Task<SmtpReply> SendDataAsync(Stream content, CancellationToken cancellationToken)
    {
        // RFC 5321 4.5.2: dot-stuffed, ended by CRLF.CRLF (a CRLF added when the content lacks one).
        var stuffer = new DotStuffer();
        var output = new ArrayBufferWriter<byte>(80 * 1024);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, 64 * 1024), cancellationToken).ConfigureAwait(false)) > 0)
            {
                stuffer.Write(buffer.AsSpan(0, read), output);
                await WriteRawAsync(output.WrittenMemory, _options.DataBlockTimeout, cancellationToken).ConfigureAwait(false);
                output.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        stuffer.Complete(output);
        await WriteRawAsync(output.WrittenMemory, _options.DataBlockTimeout, cancellationToken).ConfigureAwait(false);
        Log("C", "<data> .");
        return await ReadReplyAsync(_options.DataFinalTimeout, "end of data", cancellationToken).ConfigureAwait(false);
    }

    private async Task<SmtpReply> SendChunksAsync(Stream content, long length, CancellationToken cancellationToken)
    {
        // RFC 3030 2: BDAT size [LAST], then exactly that many octets, no stuffing. Each chunk's
        // reply is read before the next is sent, so a refusal stops the transfer early.
        var size = Math.Max(1, _options.ChunkSize);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var remaining = length;
            do
            {
                var chunk = (int)Math.Min(size, remaining);
                var filled = 0;
                while (filled < chunk)
                {
                    var read = await content.ReadAsync(buffer.AsMemory(filled, chunk - filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new InvalidDataException($"the content ended {remaining - filled} bytes before its stated length");
                    }

                    filled += read;
                }

                remaining -= chunk;
                var last = remaining == 0;
                var command = last ? $"BDAT {chunk} LAST" : $"BDAT {chunk}";
                Log("C", command);
                await WriteRawAsync(Encoding.ASCII.GetBytes(command + "\r\n"), _options.DataBlockTimeout, cancellationToken).ConfigureAwait(false);
                await WriteRawAsync(buffer.AsMemory(0, chunk), _options.DataBlockTimeout, cancellationToken).ConfigureAwait(false);
                var reply = await ReadReplyAsync(last ? _options.DataFinalTimeout : _options.DataBlockTimeout, "BDAT", cancellationToken).ConfigureAwait(false);
                if (last || reply.IsError)
                {
                    return reply;
                }
            }
            while (true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<Stream> BufferAsync(Stream content, long length, CancellationToken cancellationToken)
    {
        if (content.CanSeek)
        {
            // The caller's stream is read twice (scan, convert): copy only what it must.
            var copy = length <= _options.DowngradeInMemoryLimit ? new MemoryStream((int)length) : (Stream)new FileStream(Path.Combine(Path.GetTempPath(), $"interchange-out-{Guid.NewGuid():N}.eml"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await content.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.Position = 0;
            return copy;
        }

        var memory = new MemoryStream();
        await content.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
        memory.Position = 0;
        return memory;
    }

    /// <summary>
    /// RSET (RFC 5321 4.1.1.5): a check that a cached connection still works before the next
    /// transaction, as Postfix probes its connection cache; false (and the session broken) when not 250.
    /// </summary>
    public async Task<bool> ResetAsync(CancellationToken cancellationToken = default)
    {
        if (!IsReusable)
        {
            return false;
        }

        return await TryResetAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> TryResetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reply = await CommandAsync("RSET", _options.CommandTimeout, "RSET", cancellationToken).ConfigureAwait(false);
            if (reply.Code == 250)
            {
                _needsReset = false;
                return true;
            }
        }
        catch (SessionBrokenException)
        {
        }

        _broken = true;
        Abort();
        return false;
    }

    /// <summary>QUIT (RFC 5321 4.1.1.10) and close; never throws for the peer's sake.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken = default)
    {
        if (!_closed && !_broken)
        {
            await TryQuitAsync(cancellationToken).ConfigureAwait(false);
        }

        Abort();
    }

    private async Task TryQuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CommandAsync("QUIT", _options.QuitTimeout, "QUIT", cancellationToken).ConfigureAwait(false);
        }
        catch (SessionBrokenException)
        {
            // The peer may close first; QUIT is a courtesy.
        }

        _closed = true;
    }

    private void Abort()
    {
        _closed = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    private async Task<SmtpReply> CommandAsync(string command, TimeSpan timeout, string stage, CancellationToken cancellationToken, string? logAs = null)
    {
        Log("C", logAs ?? command);
        await WriteRawAsync(Encoding.UTF8.GetBytes(command + "\r\n"), timeout, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(timeout, stage, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLinesAsync(IEnumerable<string> commands, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var command in commands)
        {
            Log("C", command);
            text.Append(command).Append("\r\n");
        }

        await WriteRawAsync(Encoding.UTF8.GetBytes(text.ToString()), timeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteRawAsync(ReadOnlyMemory<byte> bytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _stream.WriteAsync(bytes, linked.Token).ConfigureAwait(false);
            await _stream.FlushAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Break("write", new SmtpReply(451, "4.4.2", $"timed out writing to {_target.HostName}"));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw Break("write", new SmtpReply(451, "4.4.2", $"connection to {_target.HostName} lost while writing: {ex.Message}"));
        }
    }

    /// <summary>One whole reply within <paramref name="timeout"/>, bounded in line length and count.</summary>
    private async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, string stage, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var accumulator = new SmtpReplyAccumulator(_options.MaxReplyLines);
        try
        {
            while (true)
            {
                var line = await _lines.ReadLineAsync(_options.MaxReplyLineLength, linked.Token).ConfigureAwait(false);
                switch (line.Kind)
                {
                    case LineKind.Closed:
                        throw Break(stage, new SmtpReply(421, "4.4.2", $"{_target.HostName} closed the connection (waiting for the {stage} reply)"));
                    case LineKind.TooLong:
                        throw Break(stage, new SmtpReply(451, "4.5.0", $"{_target.HostName} sent a reply line longer than {_options.MaxReplyLineLength} (at {stage})"));
                }

                bool complete;
                try
                {
                    complete = accumulator.Add(line.Text);
                }
                catch (FormatException ex)
                {
                    throw Break(stage, new SmtpReply(451, "4.5.0", $"{_target.HostName}: {ex.Message} (at {stage})"));
                }

                if (complete)
                {
                    var reply = accumulator.Build();
                    Log("S", reply.ToString().ReplaceLineEndings(" | "));
                    return reply;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Break(stage, new SmtpReply(451, "4.4.2", $"timed out after {timeout} waiting for the {stage} reply from {_target.HostName}"));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw Break(stage, new SmtpReply(421, "4.4.2", $"connection to {_target.HostName} lost at {stage}: {ex.Message}"));
        }
    }

    private SessionBrokenException Break(string stage, SmtpReply reply)
    {
        _broken = true;
        _logger.LogInformation("smtp-out {Target}: session ended: {Reply}", _target, reply);
        Abort();
        return new SessionBrokenException(stage, reply);
    }

    private void Log(string direction, string text) =>
        _logger.LogDebug("smtp-out {Target} {Direction}: {Text}", _target, direction, text.Length > 300 ? text[..300] + "..." : text);

    /// <summary>The session cannot go on; the reply says why (made up, 4xx).</summary>
    private sealed class SessionBrokenException(string stage, SmtpReply reply) : Exception(reply.ToString())
    {
        public string Stage { get; } = stage;

        public SmtpReply Reply { get; } = reply;
    }
}
