using System.Net.Sockets;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter.Protocol;
using Interchange.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Milter;

/// <summary>
/// One SMTP connection's conversation with one milter (protocol version 6, as Postfix's milter8.c
/// speaks it): negotiation and SMFIC_CONNECT at the connect stage, then HELO, MAIL, RCPT, and at
/// the end of the message DATA, each header, EOH, the body in chunks and BODYEOB, whose
/// modification requests are applied to the message if the milter's final word lets it through.
/// Every exchange has a deadline (<see cref="MilterOptions.CommandTimeout"/>, or
/// <see cref="MilterOptions.EndOfMessageTimeout"/> once the message is sent; SMFIR_PROGRESS starts
/// it again). A milter that cannot be reached, times out or breaks the protocol is dropped, logged
/// once, and its <see cref="MilterOptions.DefaultAction"/> answers every later stage of the
/// connection; nothing is thrown to the SMTP session but its own cancellation.
/// </summary>
internal sealed class MilterSession : ISmtpFilterSession
{
    /// <summary>Body chunks as Postfix and Sendmail send them (MILTER_CHUNK_SIZE).</summary>
    public const int BodyChunkSize = 65535;

    /// <summary>The largest packet a milter may send, but for SMFIR_REPLBODY pieces.</summary>
    public const int MaxPacketData = 1024 * 1024;

    /// <summary>The most modification requests one milter may make to one message.</summary>
    public const int MaxEdits = 10_000;

    /// <summary>Header packets the milter does not answer are sent in runs up to this size.</summary>
    private const int FlushThreshold = 64 * 1024;

    private static readonly byte[] s_quit = [0, 0, 0, 1, MilterCommand.Quit];

    private readonly MilterFilter _filter;
    private readonly SmtpFilterConnection _connection;
    private readonly MilterMacros _macros;
    private readonly MilterPacketWriter _output = new();
    private readonly CancellationTokenSource _deadline;
    private MilterTransport? _transport;
    private MilterNegotiation _negotiation = new(MilterNegotiation.OurVersion, MilterActions.None, MilterProtocolFlags.None, new Dictionary<MilterMacroStage, string[]>());
    private State _state = State.New;

    /// <summary>What every stage answers once the milter is out of the conversation.</summary>
    private SmtpFilterVerdict _standing = SmtpFilterVerdict.Continue;

    /// <summary>MAIL was passed on and the milter has not finished the message: a reset sends SMFIC_ABORT.</summary>
    private bool _inTransaction;

    /// <summary>The milter accepted or discarded the transaction: it hears nothing more of it.</summary>
    private bool _transactionDecided;

    /// <summary>SMFIR_SKIP: further commands of this kind are not sent, until another kind is.</summary>
    private byte _skipped;

    private TimeSpan _timeout;
    private int _disposed;

    public MilterSession(MilterFilter filter, SmtpFilterConnection connection)
    {
        _filter = filter;
        _connection = connection;
        _macros = new MilterMacros(connection);
        _deadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, filter.Time);
    }

    private enum State
    {
        /// <summary>Before the connect stage.</summary>
        New,

        /// <summary>Connected and negotiated.</summary>
        Open,

        /// <summary>The milter takes no further part: it accepted or refused the connection, or failed.</summary>
        Out,
    }

    private MilterOptions Options => _filter.Options;

    private string MilterName => _filter.Options.Name;

    public async ValueTask<SmtpFilterVerdict> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_state != State.New)
        {
            return Count("connect", _state == State.Out ? _standing : SmtpFilterVerdict.Continue);
        }

        using var scope = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        var token = scope.Token;
        try
        {
            _timeout = Options.ConnectTimeout;
            Arm(_timeout);
            try
            {
                _transport = await MilterTransport.ConnectAsync(_filter.Endpoint, token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                return Count("connect", await FailAsync("connect", $"cannot connect to {_filter.Endpoint}: {e.Message}", "connect").ConfigureAwait(false));
            }

            _state = State.Open;
            _timeout = Options.CommandTimeout;
            Arm(_timeout);
            _output.Clear();
            MilterNegotiation.WriteOffer(_output);
            _negotiation = MilterNegotiation.Parse(await ExchangeAsync(Options.CommandTimeout, token).ConfigureAwait(false));

            var client = _connection.Client;
            var address = client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address;
            var verdict = await CommandAsync(
                MilterCommand.Connect,
                MilterMacroStage.Connect,
                MilterProtocolFlags.NoConnect,
                MilterProtocolFlags.NoConnectReply,
                output => output
                    .WriteString($"[{MilterMacros.Address(address)}]") // no verified name: Postfix sends the address in brackets
                    .WriteByte(address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)'6' : (byte)'4')
                    .WriteUInt16((ushort)client.Port)
                    .WriteString(MilterMacros.Address(address)),
                token).ConfigureAwait(false);
            return Count("connect", verdict);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return Count("connect", await FailAsync("connect", e).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            await DropAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            Disarm();
        }
    }

    public ValueTask<SmtpFilterVerdict> HeloAsync(string name, CancellationToken cancellationToken) =>
        StageAsync("helo", MilterCommand.Helo, MilterMacroStage.Helo, MilterProtocolFlags.NoHelo, MilterProtocolFlags.NoHeloReply, output => output.WriteString(name), cancellationToken);

    public ValueTask<SmtpFilterVerdict> MailAsync(string sender, IReadOnlyList<string> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(parameters);
        _macros.StartTransaction(sender, parameters);
        _transactionDecided = false;
        if (_state == State.Open)
        {
            _inTransaction = true;
        }

        return StageAsync("mail", MilterCommand.Mail, MilterMacroStage.Mail, MilterProtocolFlags.NoMail, MilterProtocolFlags.NoMailReply, output => WriteArguments(output, sender, parameters), cancellationToken);
    }

    public ValueTask<SmtpFilterVerdict> RecipientAsync(string recipient, IReadOnlyList<string> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(parameters);
        _macros.Recipient = recipient;
        return StageAsync("rcpt", MilterCommand.Recipient, MilterMacroStage.Recipient, MilterProtocolFlags.NoRecipient, MilterProtocolFlags.NoRecipientReply, output => WriteArguments(output, recipient, parameters), cancellationToken);
    }

    public async ValueTask<SmtpFilterVerdict> MessageAsync(SmtpFilterMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_state != State.Open)
        {
            return Count("message", _state == State.Out ? _standing : await FailAsync("message", "the message came before the connect stage", "order").ConfigureAwait(false));
        }

        if (_transactionDecided)
        {
            return Count("message", SmtpFilterVerdict.Continue);
        }

        using var scope = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        var token = scope.Token;
        try
        {
            _inTransaction = true;
            _timeout = Options.EndOfMessageTimeout;
            Arm(_timeout);
            return Count("message", await SendMessageAsync(message, token).ConfigureAwait(false));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return Count("message", await FailAsync("message", e).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            await DropAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            Disarm();
        }
    }

    public async ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        _macros.EndTransaction();
        _transactionDecided = false;
        _skipped = 0;
        if (_state != State.Open || !_inTransaction)
        {
            return;
        }

        _inTransaction = false;
        using var scope = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        try
        {
            Arm(Options.CommandTimeout);
            _output.Write(MilterCommand.Abort); // no reply: libmilter answers SMFIC_ABORT with nothing
            await FlushAsync(scope.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await FailAsync("reset", e).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await DropAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            Disarm();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var transport = Interlocked.Exchange(ref _transport, null);
        if (transport is not null)
        {
            if (_state == State.Open)
            {
                // SMFIC_QUIT: the milter ends its per-connection state now rather than when it sees the socket close.
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Min(Options.CommandTimeout.TotalSeconds, 5)), _filter.Time);
                try
                {
                    await transport.SendAsync(s_quit, bound.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // Going anyway.
                }
            }

            await transport.DisposeAsync().ConfigureAwait(false);
        }

        _state = State.Out;
        _deadline.Dispose();
    }

    /// <summary>A stage before the message: macros, the command, and the milter's decision.</summary>
    private async ValueTask<SmtpFilterVerdict> StageAsync(string stage, byte command, MilterMacroStage macros, MilterProtocolFlags notSent, MilterProtocolFlags noReply, Action<MilterPacketWriter> payload, CancellationToken cancellationToken)
    {
        if (_state != State.Open)
        {
            return Count(stage, _state == State.Out ? _standing : await FailAsync(stage, $"{stage} came before the connect stage", "order").ConfigureAwait(false));
        }

        if (_transactionDecided && command == MilterCommand.Recipient)
        {
            return Count(stage, SmtpFilterVerdict.Continue);
        }

        using var scope = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        try
        {
            _timeout = Options.CommandTimeout;
            Arm(_timeout);
            return Count(stage, await CommandAsync(command, macros, notSent, noReply, payload, scope.Token).ConfigureAwait(false));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return Count(stage, await FailAsync(stage, e).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            await DropAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            Disarm();
        }
    }

    /// <summary>
    /// Sends one command with the macros of its stage and returns the milter's decision. The macros
    /// go even when the milter asked not to get the command itself (Postfix does so too: a later
    /// stage may read them). A command the milter asked not to get, or one of a kind it skipped, is
    /// not sent; one it does not answer (SMFIP_NR_*) is sent and taken as Continue.
    /// </summary>
    private async ValueTask<SmtpFilterVerdict> CommandAsync(byte command, MilterMacroStage? macros, MilterProtocolFlags notSent, MilterProtocolFlags noReply, Action<MilterPacketWriter>? payload, CancellationToken token, bool flush = true)
    {
        if (_skipped != 0 && _skipped != command)
        {
            _skipped = 0;
        }

        if (macros is { } stage)
        {
            _macros.Write(_output, stage, _negotiation.MacroLists.TryGetValue(stage, out var names) ? names : MilterMacros.Defaults[stage]);
        }

        if ((notSent != MilterProtocolFlags.None && _negotiation.Has(notSent)) || _skipped == command)
        {
            return SmtpFilterVerdict.Continue;
        }

        _output.Begin(command);
        payload?.Invoke(_output);
        _output.End();
        if (noReply != MilterProtocolFlags.None && _negotiation.Has(noReply))
        {
            if (flush || _output.Length >= FlushThreshold)
            {
                await FlushAsync(token).ConfigureAwait(false);
            }

            return SmtpFilterVerdict.Continue;
        }

        return await DecideAsync(await ExchangeAsync(_timeout, token).ConfigureAwait(false), command).ConfigureAwait(false);
    }

    private async ValueTask<SmtpFilterVerdict> SendMessageAsync(SmtpFilterMessage message, CancellationToken token)
    {
        var verdict = await CommandAsync(MilterCommand.Data, MilterMacroStage.Data, MilterProtocolFlags.NoData, MilterProtocolFlags.NoDataReply, null, token).ConfigureAwait(false);
        if (verdict.Kind != SmtpFilterVerdictKind.Continue)
        {
            return verdict;
        }

        var leadingSpace = _negotiation.Has(MilterProtocolFlags.HeaderLeadingSpace);
        if (!_negotiation.Has(MilterProtocolFlags.NoHeaders))
        {
            foreach (var header in message.Headers)
            {
                if (ReferenceEquals(header, message.OwnTraceField))
                {
                    continue; // Sendmail and Postfix do not show milters their own Received field
                }

                var value = MilterHeaderValue.ToMilter(header.RawValue.Span, leadingSpace);
                verdict = await CommandAsync(MilterCommand.Header, null, MilterProtocolFlags.NoHeaders, MilterProtocolFlags.NoHeaderReply, output => output.WriteString(header.Name).WriteString(value), token, flush: false).ConfigureAwait(false);
                if (verdict.Kind != SmtpFilterVerdictKind.Continue)
                {
                    return verdict;
                }
            }
        }

        verdict = await CommandAsync(MilterCommand.EndOfHeader, MilterMacroStage.EndOfHeader, MilterProtocolFlags.NoEndOfHeader, MilterProtocolFlags.NoEndOfHeaderReply, null, token).ConfigureAwait(false);
        if (verdict.Kind != SmtpFilterVerdictKind.Continue)
        {
            return verdict;
        }

        if (!_negotiation.Has(MilterProtocolFlags.NoBody))
        {
            verdict = await SendBodyAsync(message, token).ConfigureAwait(false);
            if (verdict.Kind != SmtpFilterVerdictKind.Continue)
            {
                return verdict;
            }
        }

        return await EndOfMessageAsync(message, token).ConfigureAwait(false);
    }

    private async ValueTask<SmtpFilterVerdict> SendBodyAsync(SmtpFilterMessage message, CancellationToken token)
    {
        var chunk = new byte[BodyChunkSize];
        var body = message.OpenBody();
        await using (body.ConfigureAwait(false))
        {
            while (_skipped != MilterCommand.Body)
            {
                var length = 0;
                while (length < chunk.Length)
                {
                    var read = await body.ReadAsync(chunk.AsMemory(length), token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }

                if (length == 0)
                {
                    break;
                }

                var verdict = await CommandAsync(MilterCommand.Body, null, MilterProtocolFlags.NoBody, MilterProtocolFlags.NoBodyReply, output => output.WriteBytes(chunk.AsSpan(0, length)), token, flush: false).ConfigureAwait(false);
                if (verdict.Kind != SmtpFilterVerdictKind.Continue)
                {
                    return verdict;
                }

                if (length < chunk.Length)
                {
                    break;
                }
            }
        }

        return SmtpFilterVerdict.Continue;
    }

    /// <summary>SMFIC_BODYEOB: the milter's modification requests, then its decision. The requests are
    /// applied only if the decision lets the message through.</summary>
    private async ValueTask<SmtpFilterVerdict> EndOfMessageAsync(SmtpFilterMessage message, CancellationToken token)
    {
        _skipped = 0;
        _macros.Write(_output, MilterMacroStage.EndOfMessage, _negotiation.MacroLists.TryGetValue(MilterMacroStage.EndOfMessage, out var names) ? names : MilterMacros.Defaults[MilterMacroStage.EndOfMessage]);
        _output.Write(MilterCommand.EndOfBody);
        await FlushAsync(token).ConfigureAwait(false);

        var edits = new List<MilterEdit>();
        long editBytes = 0;
        MemoryStream? body = null;
        SmtpFilterVerdict verdict;
        while (true)
        {
            var budget = _filter.MaxMessageSize - (body?.Length ?? 0);
            var packet = await _transport!.ReceiveAsync(MaxPacketData, budget, token).ConfigureAwait(false);
            if (packet.Command == MilterResponse.Progress && packet.Data.IsEmpty)
            {
                Arm(_timeout);
                continue;
            }

            if (packet.Command == MilterResponse.ReplaceBody)
            {
                body ??= new MemoryStream();
                body.Write(packet.Data.Span);
                continue;
            }

            if (MilterEdit.TryParse(packet) is { } edit)
            {
                editBytes += packet.Data.Length;
                if (edits.Count >= MaxEdits || editBytes > _filter.MaxMessageSize)
                {
                    throw new MilterProtocolException($"more than {MaxEdits} changes or {_filter.MaxMessageSize} bytes of them to one message");
                }

                edits.Add(edit);
                continue;
            }

            verdict = await DecideAsync(packet, MilterCommand.EndOfBody).ConfigureAwait(false);
            break;
        }

        _inTransaction = false; // the milter is done with this message; the next MAIL needs no abort
        if (verdict.Kind is SmtpFilterVerdictKind.Continue or SmtpFilterVerdictKind.Accept)
        {
            Apply(message, edits, body);
        }
        else if (edits.Count > 0 || body is not null)
        {
            _filter.Logger.LogDebug("Milter {Milter}: {Count} changes dropped with the verdict {Verdict}", MilterName, edits.Count + (body is null ? 0 : 1), verdict.Kind);
        }

        return verdict;
    }

    private void Apply(SmtpFilterMessage message, List<MilterEdit> edits, MemoryStream? body)
    {
        var leadingSpace = _negotiation.Has(MilterProtocolFlags.HeaderLeadingSpace);
        foreach (var edit in edits)
        {
            switch (edit.Kind)
            {
                case MilterEditKind.AddHeader:
                    message.AddHeader(new SmtpFilterHeader(edit.Name!, MilterHeaderValue.FromMilter(edit.Value, leadingSpace)));
                    break;
                case MilterEditKind.InsertHeader:
                    // Relative to the header as it will be delivered, our Received field included (Postfix's rule).
                    message.InsertHeader(edit.Index, new SmtpFilterHeader(edit.Name!, MilterHeaderValue.FromMilter(edit.Value, leadingSpace)));
                    break;
                case MilterEditKind.ChangeHeader:
                    ChangeHeader(message, edit, leadingSpace);
                    break;
                case MilterEditKind.ChangeSender:
                    message.ChangeSender(edit.Text!);
                    break;
                case MilterEditKind.AddRecipient:
                    message.AddRecipient(edit.Text!);
                    break;
                case MilterEditKind.DeleteRecipient:
                    message.RemoveRecipient(edit.Text!);
                    break;
                case MilterEditKind.Quarantine:
                    message.Hold($"milter {MilterName}: {edit.Text}");
                    break;
            }
        }

        if (body is not null)
        {
            message.ReplaceBody(MilterBody.Normalize(body.GetBuffer().AsSpan(0, (int)body.Length)));
        }
    }

    /// <summary>SMFIR_CHGHEADER counts the fields of that name the milter was shown (ours not among
    /// them); an empty value deletes the field; a field that is not there is added.</summary>
    private static void ChangeHeader(SmtpFilterMessage message, MilterEdit edit, bool leadingSpace)
    {
        var name = edit.Name!;
        var deleting = edit.Value!.AsSpan().Trim(" \t\r\n"u8).IsEmpty;
        var seen = 0;
        var occurrence = 0;
        foreach (var header in message.Headers)
        {
            if (!header.Is(name))
            {
                continue;
            }

            occurrence++;
            if (!ReferenceEquals(header, message.OwnTraceField) && ++seen == edit.Index)
            {
                message.ChangeHeader(name, occurrence, deleting ? ReadOnlyMemory<byte>.Empty : MilterHeaderValue.FromMilter(edit.Value, leadingSpace));
                return;
            }
        }

        if (!deleting)
        {
            message.AddHeader(new SmtpFilterHeader(name, MilterHeaderValue.FromMilter(edit.Value, leadingSpace)));
        }
    }

    /// <summary>Maps a milter's decision onto a verdict; decisions at the connect and HELO stages hold
    /// for the whole connection, later ones for the transaction (a rejected RCPT for that recipient).</summary>
    private async ValueTask<SmtpFilterVerdict> DecideAsync(MilterPacket reply, byte command)
    {
        var connectionLevel = command is MilterCommand.Connect or MilterCommand.Helo;
        if (reply.Command != MilterResponse.ReplyCode && !reply.Data.IsEmpty)
        {
            throw new MilterProtocolException($"{MilterResponse.Name(reply.Command)} with {reply.Data.Length} unexpected bytes after {MilterCommand.Name(command)}");
        }

        switch (reply.Command)
        {
            case MilterResponse.Continue:
                return SmtpFilterVerdict.Continue;

            case MilterResponse.Accept when connectionLevel:
                await LeaveAsync(SmtpFilterVerdict.Continue).ConfigureAwait(false);
                return SmtpFilterVerdict.Accept;

            case MilterResponse.Accept:
                _transactionDecided = true;
                return SmtpFilterVerdict.Accept;

            case MilterResponse.Discard when connectionLevel:
                _filter.Logger.LogWarning("Milter {Milter}: SMFIR_DISCARD is not allowed after {Command}; taken as continue", MilterName, MilterCommand.Name(command));
                return SmtpFilterVerdict.Continue;

            case MilterResponse.Discard:
                _transactionDecided = true;
                return SmtpFilterVerdict.Discard;

            case MilterResponse.Reject:
                return await RefuseAsync(SmtpFilterVerdict.Reject("Command rejected"), connectionLevel).ConfigureAwait(false);

            case MilterResponse.TempFail:
                return await RefuseAsync(SmtpFilterVerdict.TempFail("Service unavailable - try again later"), connectionLevel).ConfigureAwait(false);

            case MilterResponse.ReplyCode:
                return await RefuseAsync(SmtpFilterVerdict.WithReply(MilterReplyText.Parse(reply.Data.Span)), connectionLevel).ConfigureAwait(false);

            case MilterResponse.Shutdown or MilterResponse.ConnectionFail:
                // The milter wants the SMTP connection closed: 421 (RFC 5321 3.8) for the rest of it.
                return await RefuseAsync(new SmtpFilterVerdict(SmtpFilterVerdictKind.TempFail, new SmtpReply(421, "4.7.0", "Service not available, closing transmission channel")), connectionLevel: true).ConfigureAwait(false);

            case MilterResponse.Skip when command != MilterCommand.EndOfBody:
                _skipped = command;
                return SmtpFilterVerdict.Continue;

            default:
                throw new MilterProtocolException($"unexpected {MilterResponse.Name(reply.Command)} after {MilterCommand.Name(command)}");
        }
    }

    private async ValueTask<SmtpFilterVerdict> RefuseAsync(SmtpFilterVerdict verdict, bool connectionLevel)
    {
        if (connectionLevel)
        {
            await LeaveAsync(verdict).ConfigureAwait(false);
        }

        return verdict;
    }

    /// <summary>The milter decided for the whole connection: it hears nothing more, and
    /// <paramref name="standing"/> answers every later stage.</summary>
    private async ValueTask LeaveAsync(SmtpFilterVerdict standing)
    {
        _standing = standing;
        _state = State.Out;
        var transport = Interlocked.Exchange(ref _transport, null);
        if (transport is not null)
        {
            try
            {
                _output.Clear();
                await transport.SendAsync(s_quit, _deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // It is leaving anyway.
            }

            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends what is built and reads the milter's reply, letting SMFIR_PROGRESS restart the deadline.</summary>
    private async ValueTask<MilterPacket> ExchangeAsync(TimeSpan timeout, CancellationToken token)
    {
        await FlushAsync(token).ConfigureAwait(false);
        while (true)
        {
            var packet = await _transport!.ReceiveAsync(MaxPacketData, 0, token).ConfigureAwait(false);
            if (packet.Command == MilterResponse.Progress && packet.Data.IsEmpty)
            {
                Arm(timeout);
                continue;
            }

            return packet;
        }
    }

    private async ValueTask FlushAsync(CancellationToken token)
    {
        if (_output.Length == 0)
        {
            return;
        }

        if (_transport is null)
        {
            throw new IOException("no connection to the milter");
        }

        await _transport.SendAsync(_output.Written, token).ConfigureAwait(false);
        _output.Clear();
    }

    private void Arm(TimeSpan timeout)
    {
        if (!_deadline.IsCancellationRequested)
        {
            _deadline.CancelAfter(timeout);
        }
    }

    private void Disarm()
    {
        if (!_deadline.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
        {
            _deadline.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private ValueTask<SmtpFilterVerdict> FailAsync(string stage, Exception error)
    {
        var (reason, text) = _deadline.IsCancellationRequested
            ? ("timeout", $"no answer within {_timeout.TotalSeconds:0.###} s")
            : error switch
            {
                MilterProtocolException => ("protocol", $"protocol error: {error.Message}"),
                SocketException or IOException or ObjectDisposedException => ("io", error.Message),
                _ => ("error", $"{error.GetType().Name}: {error.Message}"),
            };
        if (_deadline.IsCancellationRequested && _state != State.Open)
        {
            text = $"cannot connect to {_filter.Endpoint} within {Options.ConnectTimeout.TotalSeconds:0.###} s";
            reason = "connect";
        }

        return FailAsync(stage, text, reason);
    }

    /// <summary>Drops the milter for the rest of the connection: its default action answers from now on. Logged and counted once.</summary>
    private async ValueTask<SmtpFilterVerdict> FailAsync(string stage, string text, string reason)
    {
        if (_state != State.Out)
        {
            _standing = Options.DefaultAction switch
            {
                MilterDefaultAction.Accept => SmtpFilterVerdict.Continue,
                MilterDefaultAction.Reject => SmtpFilterVerdict.Reject("Service unavailable"),
                _ => SmtpFilterVerdict.TempFail("Service unavailable - try again later"),
            };
            _state = State.Out;
            if (Volatile.Read(ref _disposed) == 0)
            {
                MilterMetrics.Failures.Add(1, new KeyValuePair<string, object?>("milter", MilterName), new KeyValuePair<string, object?>("reason", reason));
                _filter.Logger.LogWarning(
                    "Milter {Milter} failed at {Stage} in session {Session}: {Reason}; default action {Action} for the rest of the session",
                    MilterName,
                    stage,
                    _connection.SessionId,
                    text,
                    Options.DefaultAction.ToString().ToLowerInvariant());
            }
        }

        await DropAsync().ConfigureAwait(false);
        return _standing;
    }

    /// <summary>Closes the socket without a word: after a failure or a cancellation it is out of step.</summary>
    private async ValueTask DropAsync()
    {
        _output.Clear();
        if (_state == State.Open)
        {
            // Cancelled by the SMTP session: nothing more will be asked, but say what stands if it is.
            _state = State.Out;
            _standing = SmtpFilterVerdict.TempFail("Service unavailable - try again later");
        }

        if (Interlocked.Exchange(ref _transport, null) is { } transport)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    private SmtpFilterVerdict Count(string stage, SmtpFilterVerdict verdict)
    {
        MilterMetrics.Verdicts.Add(
            1,
            new KeyValuePair<string, object?>("milter", MilterName),
            new KeyValuePair<string, object?>("stage", stage),
            new KeyValuePair<string, object?>("verdict", verdict.Kind.ToString().ToLowerInvariant()));
        if (verdict.Kind != SmtpFilterVerdictKind.Continue)
        {
            _filter.Logger.LogDebug("Milter {Milter} at {Stage} in session {Session}: {Verdict} {Reply}", MilterName, stage, _connection.SessionId, verdict.Kind, verdict.Reply);
        }

        return verdict;
    }

    /// <summary>SMFIC_MAIL and SMFIC_RCPT: the path in angle brackets, then each ESMTP parameter.</summary>
    private static void WriteArguments(MilterPacketWriter output, string address, IReadOnlyList<string> parameters)
    {
        output.WriteString($"<{address}>");
        foreach (var parameter in parameters)
        {
            output.WriteString(parameter);
        }
    }
}
