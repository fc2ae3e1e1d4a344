using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Interchange.Core.Logging;
using Interchange.Core.Net;
using Interchange.Directory.Security;
using Interchange.Smtp.Protocol;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Session;

/// <summary>
/// One SMTP connection: its state, its transaction, and its I/O. Commands (in
/// <c>Commands/</c>) act on it; the loop in <see cref="RunAsync"/> reads command lines, checks
/// them against <see cref="SmtpStateTable"/> and the limits, and dispatches. Replies are
/// buffered and flushed only when no further command is already waiting (RFC 2920).
/// </summary>
public sealed class SmtpSession
{
    private const int AuthLineLimit = 12288; // RFC 4954 4

    private readonly SmtpServices _services;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationToken _connectionClosed;
    private readonly LineReader _lines;
    private readonly SessionControl _control;
    private readonly MinDataRate? _dataRate;
    private bool _dataPhase;
    private PipeWriter _writer;
    private int _errors;
    private int _nonMailCommands;
    private bool _closing;

    internal SmtpSession(SmtpServices services, ListenerKind kind, IPAddress client, IDuplexPipe transport, bool tls, X509Certificate2? certificate, string id, CancellationToken connectionClosed)
    {
        _services = services;
        Kind = kind;
        Client = client;
        _control = services.Heartbeat.Open(connectionClosed, services.Stopping);
        _dataRate = MinDataRate.FromOptions(services.Options.MinDataRate, services.Options.MinDataRateGracePeriod);
        _lines = new LineReader(new TimedPipeReader(transport.Input, _control));
        _writer = new TimedPipeWriter(transport.Output, _control, _dataRate);
        IsTls = tls;
        _certificate = certificate;
        Id = id;
        _connectionClosed = connectionClosed;
    }

    public string Id { get; }

    public ListenerKind Kind { get; }

    public IPAddress Client { get; }

    public SmtpOptions Options => _services.Options;

    public string HostName => _services.HostName;

    public bool IsTls { get; private set; }

    public SmtpState State { get; internal set; } = SmtpState.Connected;

    public string? Helo { get; internal set; }

    /// <summary>EHLO (not HELO) was used.</summary>
    public bool Extended { get; internal set; }

    public SessionHandle? Authentication
    {
        get;
        internal set
        {
            field = value;
            if (value is not null)
            {
                _control.ClearDeadline(SessionEndReason.LoginTimeout);

                // A password change or disable ends the session at once, whatever it is waiting for.
                _control.EndWhen(SessionEndReason.CredentialsRevoked, value.Context.Revoked);
            }
        }
    }

    public bool IsAuthenticated => Authentication is not null;

    internal int AuthAttempts { get; set; }

    internal SmtpTransaction Transaction { get; private set; } = new();

    internal SmtpServices Services => _services;

    internal ILogger Logger => _services.Logger;

    public bool CanStartTls => !IsTls && _certificate is not null && Kind != ListenerKind.Submissions;

    public bool CanAuthenticate => !IsAuthenticated && (IsTls || (Options.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(Client)));

    /// <summary>Mail must be authenticated before MAIL on the submission services.</summary>
    public bool RequiresAuthentication => Kind != ListenerKind.Smtp;

    internal int MessagesAccepted { get; set; }

    public async Task RunAsync()
    {
        try
        {
            if (!_services.Limiter.TryEnter(Client))
            {
                await SendAndCloseAsync(new SmtpReply(421, "4.7.0", $"{HostName} Too many connections, try again later")).ConfigureAwait(false);
                Logger.LogWarning("SMTP {Id} from {Client} refused: connection limit reached", Id, Client);
                return;
            }

            try
            {
                await WriteAsync(new SmtpReply(220, null, $"{HostName} ESMTP Interchange")).ConfigureAwait(false);
                if (RequiresAuthentication)
                {
                    _control.SetDeadline(SessionEndReason.LoginTimeout, Options.LoginTimeout);
                }

                // Port 25 has no AUTH to wait for: the envelope of each message has its deadline instead.
                _control.SetDeadline(SessionEndReason.TransactionTimeout, Options.EnvelopeTimeout);
                while (!_closing)
                {
                    var line = await ReadCommandLineAsync().ConfigureAwait(false);
                    if (line.Kind == LineKind.Closed)
                    {
                        break;
                    }

                    if (line.Kind == LineKind.TooLong)
                    {
                        await ReplyAsync(new SmtpReply(500, "5.5.2", "Error: line too long")).ConfigureAwait(false);
                        continue;
                    }

                    await DispatchAsync(line.Text).ConfigureAwait(false);
                }
            }
            finally
            {
                _services.Limiter.Leave(Client);
                await DiscardTransactionAsync().ConfigureAwait(false);
                Authentication?.Dispose();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or AuthenticationException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            Logger.LogDebug("SMTP {Id} from {Client} ended: {Reason}", Id, Client, ex.Message);
        }
        catch (Exception ex)
        {
            // A defect, not the client's doing: log it with the session, drop this connection, keep serving.
            Logger.LogError(ex, "SMTP {Id} from {Client} failed", Id, Client);
        }
        finally
        {
            await CloseTransportAsync().ConfigureAwait(false);
            _control.Dispose(); // after the last flush, which the heartbeat still bounds
        }
    }

    /// <summary>Queues a reply, counting errors; past the error limit the session ends with 421.</summary>
    internal async ValueTask ReplyAsync(SmtpReply reply)
    {
        await WriteAsync(reply).ConfigureAwait(false);
        if (reply.IsError && reply.Code != 421 && ++_errors >= Options.MaxErrors)
        {
            await SendAndCloseAsync(new SmtpReply(421, "4.7.0", $"{HostName} Error: too many errors")).ConfigureAwait(false);
            Logger.LogWarning("SMTP {Id} from {Client} closed after {Errors} errors", Id, Client, _errors);
        }
    }

    /// <summary>Sends a reply now, then ends the session.</summary>
    internal async ValueTask SendAndCloseAsync(SmtpReply reply)
    {
        _closing = true;
        await WriteAsync(reply).ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
    }

    internal void Close() => _closing = true;

    internal async ValueTask FlushAsync()
    {
        await _writer.FlushAsync(_connectionClosed).ConfigureAwait(false);
    }

    /// <summary>Reads one line of an AUTH exchange (after a 334 challenge).</summary>
    internal async ValueTask<string?> ReadAuthLineAsync()
    {
        var line = await ReadLineAsync(AuthLineLimit, Options.CommandTimeout).ConfigureAwait(false);
        return line.Kind == LineKind.Text ? line.Text : null;
    }

    internal void ResetTransaction()
    {
        var old = Transaction;
        Transaction = new SmtpTransaction();
        if (old.Content is not null)
        {
            _ = old.Content.DisposeAsync().AsTask();
        }

        if (State is SmtpState.Mail or SmtpState.Recipients or SmtpState.Chunking)
        {
            State = SmtpState.Ready;
        }

        if (_dataPhase)
        {
            // The message's content is done with: the next envelope starts its own deadline.
            _dataPhase = false;
            _control.StopDataRate();
            _control.SetDeadline(SessionEndReason.TransactionTimeout, Options.EnvelopeTimeout);
        }
    }

    /// <summary>
    /// Starts the message content: a blob writer with our Received field first. The trace
    /// counter sees everything written, so the hop limit counts our own field too.
    /// </summary>
    internal async ValueTask BeginContentAsync()
    {
        var t = Transaction;
        _dataPhase = true;
        _control.ClearDeadline(SessionEndReason.TransactionTimeout);
        _control.StartDataRate(_dataRate);
        t.Content = _services.Acceptor.BeginMessage();
        t.Incoming = IncomingContent.For(this);
        t.Trace = new HeaderTraceCounter();
        var received = ReceivedHeader.Build(
            Helo ?? Client.ToString(),
            Client,
            HostName,
            Extended,
            IsTls,
            IsAuthenticated,
            t.SmtpUtf8,
            $"{Id}.{MessagesAccepted + 1}",
            t.Recipients.Count == 1 ? t.Recipients[0].Address : null,
            DateTimeOffset.UtcNow);
        await AppendContentAsync(received).ConfigureAwait(false);
    }

    /// <summary>Adds message bytes as received; what is stored is shaped by <see cref="IncomingContent"/> (CRLF line ends).</summary>
    internal ValueTask AppendContentAsync(ReadOnlyMemory<byte> data) =>
        StoreContentAsync(Transaction.Incoming is { } incoming ? incoming.Shape(data.Span) : data);

    /// <summary>Stores message bytes; past the size limit they are dropped and the transaction marked too big.</summary>
    private async ValueTask StoreContentAsync(ReadOnlyMemory<byte> data)
    {
        var t = Transaction;
        t.Size += data.Length;
        if (t.Content is null)
        {
            return;
        }

        if (t.Size > Options.MaxMessageSize)
        {
            t.TooBig = true;
            await t.Content.DisposeAsync().ConfigureAwait(false);
            t.Content = null;
            return;
        }

        t.Trace!.Observe(data.Span);
        await t.Content.WriteAsync(data, _connectionClosed).ConfigureAwait(false);
    }

    /// <summary>Reads DATA content up to CRLF.CRLF into the transaction; false if the connection ended first.</summary>
    internal async ValueTask<bool> ReadDataAsync()
    {
        var unstuffer = new DataUnstuffer();
        var output = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            if (await ReadContentAsync().ConfigureAwait(false) is not { } result)
            {
                return false;
            }

            var buffer = result.Buffer;
            output.ResetWrittenCount();
            var used = unstuffer.Feed(buffer, output);
            _lines.Reader.AdvanceTo(buffer.GetPosition(used));
            if (output.WrittenCount > 0)
            {
                await AppendContentAsync(output.WrittenMemory).ConfigureAwait(false);
            }

            if (unstuffer.IsDone)
            {
                return true;
            }

            if (result.IsCompleted)
            {
                return false;
            }
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes of a BDAT chunk; with <paramref name="keep"/> false they are discarded.</summary>
    internal async ValueTask<bool> ReadChunkAsync(long count, bool keep)
    {
        var remaining = count;
        while (remaining > 0)
        {
            if (await ReadContentAsync().ConfigureAwait(false) is not { } result)
            {
                return false;
            }

            var buffer = result.Buffer;
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            if (keep)
            {
                foreach (var segment in take)
                {
                    await AppendContentAsync(segment).ConfigureAwait(false);
                }
            }

            remaining -= take.Length;
            _lines.Reader.AdvanceTo(take.End);
            if (remaining > 0 && result.IsCompleted)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The next block of DATA/BDAT content: each wait is bounded by the data timeout, and the
    /// whole phase by the minimum data rate. Null when the session must end (the 421 is sent).
    /// </summary>
    private async ValueTask<ReadResult?> ReadContentAsync()
    {
        _control.SetDeadline(SessionEndReason.CommandTimeout, Options.DataTimeout);
        try
        {
            return await _lines.Reader.ReadAsync(_control.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_connectionClosed.IsCancellationRequested)
        {
            await SendAndCloseAsync(EndReply()).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The 421 that tells the client why the server ends the session.</summary>
    private SmtpReply EndReply() => _control.Reason switch
    {
        SessionEndReason.CredentialsRevoked => new SmtpReply(421, "4.7.0", $"{HostName} Credentials changed; closing"),
        SessionEndReason.ServerStopping => new SmtpReply(421, "4.3.2", $"{HostName} Service shutting down, try again later"),
        SessionEndReason.DataRateTooLow => new SmtpReply(421, "4.4.2", $"{HostName} Error: data arrived too slowly"),
        _ => new SmtpReply(421, "4.4.2", $"{HostName} Error: timeout exceeded"),
    };

    /// <summary>Commits the message (blob fsync + queue commit) and tells the client; the 250 only after both are durable.</summary>
    internal async ValueTask FinishMessageAsync()
    {
        var t = Transaction;
        try
        {
            await StoreContentAsync(t.Incoming!.Complete()).ConfigureAwait(false);
            if (t.TooBig)
            {
                await this.RefuseAsync("end of data", new SmtpReply(552, "5.3.4", $"Error: message exceeds fixed maximum message size of {Options.MaxMessageSize} bytes")).ConfigureAwait(false);
                return;
            }

            if (t.Trace!.ReceivedCount > Options.MaxHops)
            {
                await this.RefuseAsync("end of data", new SmtpReply(554, "5.4.6", $"Error: too many hops ({t.Trace.ReceivedCount} Received fields): mail loop?")).ConfigureAwait(false);
                return;
            }

            var envelope = new Envelope(
                t.MailFrom!.Address,
                t.Recipients,
                $"{Helo} [{Client}]",
                Authentication?.Context.Address,
                t.EnvelopeId,
                t.Return,
                t.BodyType,
                t.SmtpUtf8);
            long queueId;
            try
            {
                queueId = await _services.Acceptor.CommitAsync(t.Content!, envelope, _connectionClosed).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Interchange.Storage.StoreException or InvalidOperationException)
            {
                Logger.LogError(ex, "SMTP {Id}: could not store a message from {From}", Id, new LogText(t.MailFrom?.ToString()));
                await ReplyAsync(new SmtpReply(451, "4.3.0", "Error: could not store the message, try again later")).ConfigureAwait(false);
                return;
            }

            MessagesAccepted++;
            Logger.LogInformation("SMTP {Id} from {Client}: queued message {QueueId} from {From} to {Count} recipient(s), {Size} bytes", Id, Client, queueId, new LogText(t.MailFrom.ToString()), t.Recipients.Count, t.Size);
            await ReplyAsync(new SmtpReply(250, "2.0.0", $"Ok: queued as {queueId}")).ConfigureAwait(false);
        }
        finally
        {
            ResetTransaction();
        }
    }

    /// <summary>
    /// RFC 3207: after 220, plaintext the client pipelined behind STARTTLS is thrown away, and the
    /// TLS session starts with a new reader and writer over the TLS stream.
    /// </summary>
    internal async ValueTask StartTlsAsync()
    {
        // Discard before the 220 leaves: after it, what arrives may already be the client's ClientHello,
        // and discarding that would leave the handshake waiting for it.
        if (_lines.DiscardBuffered() is > 0 and var discarded)
        {
            Logger.LogWarning("SMTP {Id} from {Client}: discarded {Bytes} bytes sent after STARTTLS before the handshake", Id, Client, discarded);
        }

        await FlushAsync().ConfigureAwait(false);

        var ssl = new SslStream(new DuplexPipeStream(_lines.Reader, _writer), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_control.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await ssl.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            },
            timeout.Token).ConfigureAwait(false);
        _lines.Reader = PipeReader.Create(ssl);
        _writer = PipeWriter.Create(ssl);
        IsTls = true;
        State = SmtpState.Connected;
        Helo = null;
        Extended = false;
        ResetTransaction();
        Logger.LogDebug("SMTP {Id}: TLS started ({Protocol}, {Cipher})", Id, ssl.SslProtocol, ssl.NegotiatedCipherSuite);
    }

    private async ValueTask DispatchAsync(string line)
    {
        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var arguments = space < 0 ? string.Empty : line[(space + 1)..];

        if (!SmtpCommands.IsMailCommand(verb) && ++_nonMailCommands > Options.MaxNonMailCommands)
        {
            var tooMany = new SmtpReply(421, "4.7.0", $"{HostName} Error: too many commands without mail");
            RefusalLog.Write(this, verb, tooMany);
            await SendAndCloseAsync(tooMany).ConfigureAwait(false);
            return;
        }

        if (!SmtpStateTable.IsKnown(verb) || Extensions.SmtpExtensions.IsWithheld(verb, this) && verb != "AUTH" && verb != "STARTTLS")
        {
            await ReplyAsync(new SmtpReply(500, "5.5.2", "Error: command not recognized")).ConfigureAwait(false);
            return;
        }

        if (!SmtpStateTable.IsAllowed(verb, State))
        {
            // BDAT data follows its command whatever the state: consume it (RFC 3030 2).
            if (verb == "BDAT" && Commands.BdatCommand.TryParse(arguments, out var tooBig, out _) && tooBig > Options.MaxMessageSize)
            {
                // Out of sequence and too big to skip: its bytes cannot be told from commands.
                await SendAndCloseAsync(new SmtpReply(503, "5.5.1", "Error: bad sequence of commands")).ConfigureAwait(false);
                return;
            }

            if (verb == "BDAT" && Commands.BdatCommand.TryParse(arguments, out var size, out _) && !await ReadChunkAsync(size, keep: false).ConfigureAwait(false))
            {
                Close();
                return;
            }

            var hint = State == SmtpState.Connected ? "send HELO/EHLO first" : "bad sequence of commands";
            await ReplyAsync(new SmtpReply(503, "5.5.1", $"Error: {hint}")).ConfigureAwait(false);
            return;
        }

        await SmtpCommands.ExecuteAsync(verb, this, arguments).ConfigureAwait(false);
    }

    private async ValueTask WriteAsync(SmtpReply reply)
    {
        _writer.Write(reply.ToBytes());
        if (reply.Code is 354 or 334 or 221 or 421)
        {
            await FlushAsync().ConfigureAwait(false);
        }
    }

    private ValueTask<Line> ReadCommandLineAsync() => ReadLineAsync(Options.MaxCommandLineLength, Options.CommandTimeout);

    /// <summary>
    /// The next line, without its line end. Replies queued so far are flushed only when no
    /// complete line is already waiting, so a pipelined batch gets its replies in one write.
    /// </summary>
    private async ValueTask<Line> ReadLineAsync(int maxLength, TimeSpan timeoutAfter)
    {
        // The line must be whole by then; the session's other deadlines run on regardless.
        _control.SetDeadline(SessionEndReason.CommandTimeout, timeoutAfter);
        try
        {
            var line = await _lines.ReadLineAsync(maxLength, FlushAsync, _control.Token).ConfigureAwait(false);

            // The deadline is for the client's line, not for the work the command then does.
            _control.ClearDeadline(SessionEndReason.CommandTimeout);
            return line;
        }
        catch (OperationCanceledException) when (!_connectionClosed.IsCancellationRequested)
        {
            await SendAndCloseAsync(EndReply()).ConfigureAwait(false);
            return new Line(LineKind.Closed, string.Empty);
        }
    }

    private async ValueTask DiscardTransactionAsync()
    {
        if (Transaction.Content is { } content)
        {
            Transaction.Content = null;
            await content.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ValueTask CloseTransportAsync() => PipeClosing.CloseQuietlyAsync(_lines.Reader, _writer);
}
