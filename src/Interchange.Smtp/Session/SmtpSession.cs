using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Interchange.Core.Logging;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Directory.Security;
using Interchange.Smtp.Protocol;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Session;

/// <summary>
/// One SMTP connection: its state, its transaction, and its I/O. Commands (in
/// <c>Commands/</c>) act on it; the loop in <see cref="ServeAsync"/> reads command lines, checks
/// them against <see cref="SmtpStateTable"/> (which also gives the state each leads to) and the
/// limits, and dispatches. Replies are buffered and flushed only when no further command is
/// already waiting (RFC 2920). Limits, deadlines, TLS and the close come from <see cref="ServerSession"/>.
/// </summary>
public sealed partial class SmtpSession : ServerSession, ISmtpSessionFacts
{
    private const int AuthLineLimit = 12288; // RFC 4954 4

    private readonly SmtpServices _services;
    private readonly X509Certificate2? _certificate;
    private readonly MinDataRate? _dataRate;
    private bool _dataPhase;
    private int _errors;
    private int _nonMailCommands;
    private bool _closing;
    private readonly AcceptedConnection _connection;

    internal SmtpSession(SmtpServices services, ListenerKind kind, AcceptedConnection connection, X509Certificate2? certificate)
        : base("SMTP", connection, services.Limiter, services.Heartbeat, DataRate(services.Options), services.Logger, services.Stopping)
    {
        _services = services;
        Kind = kind;
        _dataRate = DataRate(services.Options);
        _certificate = certificate;
        _connection = connection;
    }

    public ListenerKind Kind { get; }

    /// <summary>smtp, submission or submissions: the name metrics and filters give the listener.</summary>
    internal string ListenerName => Kind switch
    {
        ListenerKind.Submission => "submission",
        ListenerKind.Submissions => "submissions",
        _ => "smtp",
    };

    protected override string MetricsProtocol => ListenerName;

    public SmtpOptions Options => _services.Options;

    public string HostName => _services.HostName;

    /// <summary>Changed only by the transitions of <see cref="SmtpStateTable"/>.</summary>
    public SmtpState State { get; private set; } = SmtpState.Connected;

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
                Control.ClearDeadline(SessionEndReason.LoginTimeout);

                // A password change or disable ends the session at once, whatever it is waiting for.
                Control.EndWhen(SessionEndReason.CredentialsRevoked, value.Context.Revoked);
                Control.User = value.Context.UserKey;
            }
        }
    }

    public bool IsAuthenticated => Authentication is not null;

    internal int AuthAttempts { get; set; }

    internal SmtpTransaction Transaction { get; private set; } = new();

    internal SmtpServices Services => _services;

    public bool CanStartTls => !IsTls && _certificate is not null && Kind != ListenerKind.Submissions;

    public bool CanAuthenticate => !IsAuthenticated && (IsTls || (Options.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(Client)));

    /// <summary>Mail must be authenticated before MAIL on the submission services.</summary>
    public bool RequiresAuthentication => Kind != ListenerKind.Smtp;

    internal int MessagesAccepted { get; set; }

    protected override async ValueTask RefuseConnectionAsync()
    {
        await SendAndCloseAsync(new SmtpReply(421, "4.7.0", $"{HostName} Too many connections, try again later")).ConfigureAwait(false);
        Logger.LogWarning("SMTP {Id} from {Client} refused: connection limit reached", Id, Client);
    }

    protected override async Task ServeAsync()
    {
        if (!await FilterConnectAsync().ConfigureAwait(false))
        {
            return;
        }

        await WriteAsync(new SmtpReply(220, null, $"{HostName} ESMTP Interchange")).ConfigureAwait(false);
        if (RequiresAuthentication)
        {
            Control.SetDeadline(SessionEndReason.LoginTimeout, Options.LoginTimeout);
        }

        // Port 25 has no AUTH to wait for: the envelope of each message has its deadline instead.
        Control.SetDeadline(SessionEndReason.TransactionTimeout, Options.EnvelopeTimeout);
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

    protected override async ValueTask OnEndedAsync()
    {
        await DiscardTransactionAsync().ConfigureAwait(false);
        if (_filters is not null)
        {
            await _filters.DisposeAsync().ConfigureAwait(false);
        }

        Authentication?.Dispose();
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
        await Transport.Output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
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

        if (_dataPhase)
        {
            // The message's content is done with: the next envelope starts its own deadline.
            _dataPhase = false;
            TransferEnded();
            Control.StopDataRate();
            Control.SetDeadline(SessionEndReason.TransactionTimeout, Options.EnvelopeTimeout);
        }
    }

    /// <summary>
    /// Starts the message content: a blob writer with our Received field first. The trace
    /// counter sees everything written, so the hop limit counts our own field too.
    /// </summary>
    internal async ValueTask BeginContentAsync(string command)
    {
        var t = Transaction;
        _dataPhase = true;
        TransferStarted(command, "the client is told 421 and the message is not kept");
        Control.ClearDeadline(SessionEndReason.TransactionTimeout);
        Control.StartDataRate(_dataRate);
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
        t.Incoming?.Parse(data.Span);
        await t.Content.WriteAsync(data, ConnectionClosed).ConfigureAwait(false);
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
            Transport.Input.AdvanceTo(buffer.GetPosition(used));
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
            Transport.Input.AdvanceTo(take.End);
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
        Control.SetDeadline(SessionEndReason.CommandTimeout, Options.DataTimeout);
        try
        {
            return await Transport.Input.ReadAsync(Control.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ConnectionClosed.IsCancellationRequested)
        {
            await SendAndCloseAsync(EndReply()).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The 421 that tells the client why the server ends the session.</summary>
    private SmtpReply EndReply() => Control.Reason switch
    {
        SessionEndReason.CredentialsRevoked => new SmtpReply(421, "4.7.0", $"{HostName} Credentials changed; closing"),
        SessionEndReason.ServerStopping => new SmtpReply(421, "4.3.2", $"{HostName} Service shutting down, try again later"),
        SessionEndReason.EndedByAdministrator => new SmtpReply(421, "4.3.2", $"{HostName} Session ended by the administrator"),
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

            var filtered = await FilterMessageAsync().ConfigureAwait(false);
            if (filtered.Refused)
            {
                return;
            }

            var envelope = new Envelope(
                filtered.Sender ?? t.MailFrom!.Address,
                filtered.Recipients ?? t.Recipients,
                $"{Helo} [{Client}]",
                Authentication?.Context.Address,
                t.EnvelopeId,
                t.Return,
                t.BodyType,
                t.SmtpUtf8,
                Folder: filtered.Folder,
                HoldReason: filtered.HoldReason);
            long queueId;
            try
            {
                queueId = await _services.Acceptor.CommitAsync(t.Content!, envelope, filtered.Structure ?? t.Incoming!.Structure(), ConnectionClosed, ListenerName).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Interchange.Storage.StoreException or InvalidOperationException)
            {
                Logger.LogError(ex, "SMTP {Id}: could not store a message from {From}", Id, new LogText(t.MailFrom?.ToString()));
                await ReplyAsync(new SmtpReply(451, "4.3.0", "Error: could not store the message, try again later")).ConfigureAwait(false);
                return;
            }

            MessagesAccepted++;
            Logger.LogInformation("SMTP {Id} from {Client}: queued message {QueueId} from {From} to {Count} recipient(s), {Size} bytes", Id, Client, queueId, new LogText(t.MailFrom!.ToString()), t.Recipients.Count, t.Size);
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
        if (Transport.DiscardBuffered() is > 0 and var discarded)
        {
            Logger.LogWarning("SMTP {Id} from {Client}: discarded {Bytes} bytes sent after STARTTLS before the handshake", Id, Client, discarded);
        }

        await FlushAsync().ConfigureAwait(false);
        var ssl = await Transport.StartTlsAsServerAsync(_certificate!).ConfigureAwait(false);
        Helo = null;
        Extended = false;
        ResetTransaction();

        // RFC 3207 4.2: nothing learnt before TLS survives it, a login neither (possible only where
        // plaintext AUTH is allowed on loopback).
        Authentication?.Dispose();
        Authentication = null;
        TlsProtocol = ssl.SslProtocol.ToString();
        TlsCipher = ssl.NegotiatedCipherSuite.ToString();
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

        var transition = SmtpStateTable.Find(verb == "BDAT" ? Commands.BdatCommand.TableVerb(arguments) : verb, State);
        if (transition is null)
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

            await ReplyAsync(new SmtpReply(503, "5.5.1", $"Error: {SmtpStateTable.OutOfSequence(State)}")).ConfigureAwait(false);
            return;
        }

        if (transition.Refusal(this) is { } refusal)
        {
            await ReplyAsync(new SmtpReply(503, "5.5.1", $"Error: {refusal}")).ConfigureAwait(false);
            return;
        }

        bool done;
        try
        {
            done = await SmtpCommands.ExecuteAsync(verb, this, arguments).ConfigureAwait(false);
        }
        catch (Interchange.Storage.StoreException ex) when (ex.IsUnavailable)
        {
            // The store failed or is busy past its bound (a directory read in RCPT or AUTH): the
            // client may try again later; the session and its state stay as they were.
            Logger.LogWarning(ex, "SMTP {Id} from {Client}: {Verb}: the store is unavailable", Id, Client, verb);
            await ReplyAsync(new SmtpReply(451, "4.3.0", "Error: temporary local problem, try again later")).ConfigureAwait(false);
            return;
        }

        if (done)
        {
            State = transition.After(State);
        }
    }

    private async ValueTask WriteAsync(SmtpReply reply)
    {
        Transport.Output.Write(reply.ToBytes());
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
        Control.SetDeadline(SessionEndReason.CommandTimeout, timeoutAfter);
        try
        {
            var line = await Transport.Lines.ReadLineAsync(maxLength, FlushAsync, Control.Token).ConfigureAwait(false);

            // The deadline is for the client's line, not for the work the command then does.
            Control.ClearDeadline(SessionEndReason.CommandTimeout);
            return line;
        }
        catch (OperationCanceledException) when (!ConnectionClosed.IsCancellationRequested)
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

    private static MinDataRate? DataRate(SmtpOptions options) => MinDataRate.FromOptions(options.MinDataRate, options.MinDataRateGracePeriod);
}
