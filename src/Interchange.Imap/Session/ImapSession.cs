using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Directory.Security;
using Interchange.Imap.Protocol;
using Interchange.Storage.Mail;
using Microsoft.Extensions.Logging;

namespace Interchange.Imap.Session;

/// <summary>
/// One IMAP connection (RFC 3501, RFC 9051 when enabled). The loop reads commands with the
/// resumable <see cref="ImapCommandReader"/>, answers continuation requests for synchronizing
/// literals, and dispatches; commands live in the partial files under <c>Commands/</c>.
/// Responses are buffered and flushed when the session next waits for input.
/// </summary>
internal sealed partial class ImapSession : ServerSession
{
    private readonly ImapServices _services;
    private readonly ImapCommandReader _parser;
    private CoalescingPipeWriter _output;
    private ImapResponseWriter _out;
    private int _errors;
    private int _authAttempts;
    private bool _closing;
    private bool _startTls;
    private ImapCommand? _idleCommand;
    private readonly CommandPacer? _pacer;
    private readonly MinDataRate? _literalRate;
    private bool _inLiteral;

    public ImapSession(ImapServices services, AcceptedConnection connection)
        : base("IMAP", connection, services.Limiter, services.Heartbeat, LiteralRate(services.Options), services.Logger, services.Stopping)
    {
        _services = services;
        _literalRate = LiteralRate(services.Options);
        _output = new CoalescingPipeWriter(Transport.Output);
        _out = new ImapResponseWriter(_output);
        _parser = new ImapCommandReader(ImapParserOptions.Default with
        {
            // APPEND's message streams to storage (ReceiveLiteralAsync); every other literal is buffered, so small.
            StreamedLiteralCommands = ["APPEND"],
            MaxLiteralSize = services.Options.MaxBufferedLiteralSize,
        });
        _pacer = services.Options.MaxCommandsPerSecond > 0 ? new CommandPacer(services.Options.MaxCommandsPerSecond, Math.Max(1, services.Options.CommandBurst)) : null;
    }

    public ImapState State { get; private set; } = ImapState.NotAuthenticated;

    private SessionHandle? Authentication
    {
        get;
        set
        {
            field = value;
            if (value is not null)
            {
                Control.ClearDeadline(SessionEndReason.LoginTimeout);

                // A password change or disable ends the session at once, whatever it is waiting for.
                Control.EndWhen(SessionEndReason.CredentialsRevoked, value.Context.Revoked);
            }
        }
    }

    private SelectedMailbox? Selected { get; set; }

    private bool Utf8Accept { get; set; }

    private bool CondStore { get; set; }

    private bool Rev2 { get; set; }

    /// <summary>LOGIN and AUTHENTICATE may be used: under TLS, or from loopback when so configured.</summary>
    internal bool PlaintextAllowed => IsTls || (_services.Options.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(Client));

    internal bool CanStartTls => !IsTls && _services.Certificate is not null;

    private string UserKey => Authentication!.Context.UserKey;

    protected override ValueTask RefuseConnectionAsync()
    {
        _out.UntaggedStatus(ImapStatus.Bye, "Too many connections, try again later", ImapResponseCode.Unavailable);
        return ValueTask.CompletedTask;
    }

    protected override async Task ServeAsync()
    {
        _out.UntaggedStatus(ImapStatus.Ok, $"{_services.HostName} Interchange IMAP ready", ImapResponseCode.Capability(Capabilities()));
        Control.SetDeadline(SessionEndReason.LoginTimeout, _services.Options.LoginTimeout);
        Control.SetDeadline(SessionEndReason.CommandTimeout, _services.Options.IdleTimeout);
        await CommandLoopAsync().ConfigureAwait(false);
    }

    protected override ValueTask OnEndedAsync()
    {
        if (_pacer is { Delayed: > 0 } pacer)
        {
            _services.Logger.LogInformation("IMAP {Id} from {Client}: {Delayed} commands waited, over {Rate} per second", Id, Client, pacer.Delayed, pacer.Rate);
        }

        Authentication?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task CommandLoopAsync()
    {
        while (!_closing)
        {
            await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
            ReadResult read;
            try
            {
                // One token for the session: deadlines, the literal rate, revocation and shutdown.
                read = await Transport.Input.ReadAsync(Control.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ConnectionClosed.IsCancellationRequested)
            {
                _out.UntaggedStatus(ImapStatus.Bye, EndText());
                return;
            }

            var buffer = read.Buffer;
            _startTls = false;
            ImapReadResult? streamed = null;
            while (!_closing && !_startTls && _idleCommand is null && !Control.HasEnded)
            {
                if (_saslCommand is { } authenticating)
                {
                    // The client's SASL response is a bare line, not a command.
                    if (buffer.PositionOf((byte)'\n') is not { } end)
                    {
                        if (buffer.Length > 16384)
                        {
                            _out.UntaggedStatus(ImapStatus.Bye, "Authentication response too long");
                            _closing = true;
                        }

                        break;
                    }

                    var response = System.Text.EncodingExtensions.GetString(System.Text.Encoding.ASCII, buffer.Slice(0, end)).Trim();
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    _saslCommand = null;
                    await FinishAuthenticateAsync(authenticating, response).ConfigureAwait(false);
                    continue;
                }

                var result = _parser.TryRead(ref buffer);
                if (result.Status == ImapReadStatus.NeedMoreData)
                {
                    break;
                }

                if (result.Status == ImapReadStatus.StreamLiteral)
                {
                    // The literal's bytes are read from the transport by ReceiveLiteralAsync, not buffered here.
                    streamed = result;
                    break;
                }

                if (result.Status == ImapReadStatus.NeedContinuation)
                {
                    if (State == ImapState.NotAuthenticated && result.LiteralLength > 8192)
                    {
                        // Before login nobody needs a big literal (RFC 9051 7.5).
                        _parser.RefuseContinuation(ref buffer);
                        Error(null, "Literal too big before authentication");
                        continue;
                    }

                    _out.Continuation();
                    break;
                }

                if (result.Status == ImapReadStatus.Error)
                {
                    var error = result.Error!;
                    if (error.Tag is null)
                    {
                        _out.UntaggedStatus(error.Status, error.Message);
                    }
                    else
                    {
                        _out.Tagged(error.Tag, error.Status, error.Message, error.ResponseCode is null ? null : new ImapResponseCode(error.ResponseCode));
                    }

                    if (error.Recovery == ImapErrorRecovery.CloseConnection || ++_errors >= _services.Options.MaxErrors)
                    {
                        _out.UntaggedStatus(ImapStatus.Bye, "Too many errors");
                        _closing = true;
                    }

                    continue;
                }

                if (_pacer?.Take() is { } wait && wait > TimeSpan.Zero)
                {
                    // Over its command rate: answers so far go out, then this command waits its turn.
                    await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
                    await Task.Delay(wait, ConnectionClosed).ConfigureAwait(false);
                }

                // The deadline is for the client's command; the answer (a long FETCH, a SEARCH) is held to
                // the data rate of its flushes instead, and the next command gets the deadline again.
                Control.ClearDeadline(SessionEndReason.CommandTimeout);
                await DispatchAsync(result.Command!).ConfigureAwait(false);
                CommandDone();
            }

            if (streamed is { } literal)
            {
                Transport.Input.AdvanceTo(buffer.Start);
                await ReceiveLiteralAsync(literal).ConfigureAwait(false);
                continue;
            }

            FollowLiteral();

            if (_idleCommand is { } idle)
            {
                // IDLE owns the reader until DONE (nothing may follow IDLE before its +).
                Transport.Input.AdvanceTo(buffer.Start, buffer.Start);
                _idleCommand = null;
                await IdleAsync(idle).ConfigureAwait(false);
                CommandDone();
                continue;
            }

            if (_startTls)
            {
                // RFC 3501 6.2.1 / 9051 11.1: whatever the client sent after STARTTLS is not
                // trusted: drop it, then the handshake, then a new reader over TLS.
                Transport.Input.AdvanceTo(buffer.End);
                await HandshakeAsync().ConfigureAwait(false);
                continue;
            }

            Transport.Input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }

    private async ValueTask DispatchAsync(ImapCommand command)
    {
        var name = command.Name;
        try
        {
            switch (name)
            {
                case "CAPABILITY":
                    _out.Untagged().Atom("CAPABILITY");
                    foreach (var capability in Capabilities())
                    {
                        _out.Atom(capability); // a space-separated list, not parenthesised (RFC 3501 7.2.1)
                    }

                    _out.EndLine();
                    Ok(command, "CAPABILITY completed");
                    return;
                case "NOOP" or "CHECK":
                    await ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
                    Ok(command, $"{name} completed");
                    return;
                case "LOGOUT":
                    _out.UntaggedStatus(ImapStatus.Bye, "Logging out");
                    Ok(command, "LOGOUT completed");
                    State = ImapState.Logout;
                    _closing = true;
                    return;
                case "ID":
                    _out.Untagged().Atom("ID").BeginList().String("name").String("Interchange").EndList().EndLine();
                    Ok(command, "ID completed");
                    return;
            }

            if (State == ImapState.NotAuthenticated)
            {
                switch (name)
                {
                    case "STARTTLS":
                        await StartTlsAsync(command).ConfigureAwait(false);
                        return;
                    case "LOGIN":
                        await LoginAsync(command).ConfigureAwait(false);
                        return;
                    case "AUTHENTICATE":
                        await AuthenticateAsync(command).ConfigureAwait(false);
                        return;
                }

                Bad(command, IsKnown(name) ? "Log in first" : "Unknown command");
                return;
            }

            if (Authentication!.Context.IsRevoked)
            {
                _out.UntaggedStatus(ImapStatus.Bye, "Your credentials changed; log in again");
                _closing = true;
                return;
            }

            switch (name)
            {
                case "ENABLE" when State == ImapState.Selected:
                    Bad(command, "ENABLE is valid only before a mailbox is selected"); // RFC 5161 3.1, RFC 9051 6.3.1
                    return;
                case "ENABLE":
                    Enable(command);
                    return;
                case "NAMESPACE":
                    _out.Untagged().Atom("NAMESPACE").BeginList().BeginList().String(string.Empty).String("/").EndList().EndList().Nil().Nil().EndLine();
                    Ok(command, "NAMESPACE completed");
                    return;
                case "LIST" or "LSUB":
                    await ListAsync(command).ConfigureAwait(false);
                    return;
                case "STATUS":
                    await StatusAsync(command).ConfigureAwait(false);
                    return;
                case "CREATE" or "DELETE" or "RENAME" or "SUBSCRIBE" or "UNSUBSCRIBE":
                    await ManageAsync(command).ConfigureAwait(false);
                    return;
                case "SELECT" or "EXAMINE":
                    await SelectAsync(command, readOnly: name == "EXAMINE").ConfigureAwait(false);
                    return;
                case "APPEND":
                    await AppendAsync(command).ConfigureAwait(false);
                    return;
                case "IDLE":
                    // Allowed in the authenticated state too (RFC 9051 6.3.13); with no mailbox selected there is nothing to report until DONE.
                    _out.Continuation("idling");
                    _idleCommand = command;
                    return;
            }

            if (State != ImapState.Selected)
            {
                Bad(command, IsKnown(name) ? "No mailbox selected" : "Unknown command");
                return;
            }

            switch (name)
            {
                case "CLOSE" or "UNSELECT":
                    await CloseMailboxAsync(command, expunge: name == "CLOSE").ConfigureAwait(false);
                    return;
                case "EXPUNGE":
                    await ExpungeAsync(command).ConfigureAwait(false);
                    return;
                case "STORE":
                    await StoreAsync(command).ConfigureAwait(false);
                    return;
                case "COPY" or "MOVE":
                    await CopyAsync(command, move: name == "MOVE").ConfigureAwait(false);
                    return;
                case "FETCH":
                    await FetchAsync(command).ConfigureAwait(false);
                    return;
                case "SEARCH":
                    await SearchAsync(command).ConfigureAwait(false);
                    return;
            }

            Bad(command, IsKnown(name) ? "Not available yet in this build" : "Unknown command");
        }
        catch (MailStoreException ex)
        {
            No(command, ex.Message, ex.Error switch
            {
                MailStoreError.NotFound => ImapResponseCode.NonExistent,
                MailStoreError.AlreadyExists => ImapResponseCode.AlreadyExists,
                MailStoreError.HasChildren => new ImapResponseCode("HASCHILDREN"),
                _ => ImapResponseCode.CannotDo,
            });
        }
        catch (Exception ex) when (!_out.InLine && !IsDisconnect(ex))
        {
            // A bug that one command reaches (through a message's content, most likely) fails
            // that command, not the session. A response line already half written cannot be
            // mended: then the exception ends the connection, as before.
            _services.Logger.LogError(ex, "IMAP {Id} from {Client}: {Command} failed", Id, Client, name);
            No(command, "Internal error; the command was not completed", ImapResponseCode.ServerBug);
        }
    }

    private static bool IsKnown(string name) => ImapExtensions.IsKnown(name);

    private IEnumerable<string> Capabilities() => ImapExtensions.Capabilities(this);

    private void Enable(ImapCommand command)
    {
        var enabled = new List<string>();
        foreach (var argument in command.Arguments)
        {
            var name = argument.Text.ToUpperInvariant();
            switch (name)
            {
                case "UTF8=ACCEPT":
                    Utf8Accept = true;
                    _out.Utf8Accept = true;
                    enabled.Add(name);
                    break;
                case "CONDSTORE":
                    CondStore = true;
                    enabled.Add(name);
                    break;
                case "IMAP4REV2":
                    Rev2 = true;
                    enabled.Add("IMAP4rev2");
                    break;
            }
        }

        _out.Untagged().Atom("ENABLED");
        foreach (var name in enabled)
        {
            _out.Atom(name);
        }

        _out.EndLine();
        Ok(command, "ENABLE completed");
    }

    private async ValueTask StartTlsAsync(ImapCommand command)
    {
        if (IsTls || _services.Certificate is null)
        {
            Bad(command, IsTls ? "TLS is already active" : "TLS is not available");
            return;
        }

        Ok(command, "Begin TLS negotiation now");
        await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
        _startTls = true;
    }

    private async ValueTask HandshakeAsync()
    {
        _parser.Reset();
        await Transport.StartTlsAsServerAsync(_services.Certificate!).ConfigureAwait(false);
        _output = new CoalescingPipeWriter(Transport.Output);
        _out = new ImapResponseWriter(_output, Utf8Accept);
    }

    /// <summary>"UID FETCH completed", "STORE completed": the command as the client named it.</summary>
    private static string Completed(ImapCommand command) => command.IsUid ? $"UID {command.Name} completed" : $"{command.Name} completed";

    private void Ok(ImapCommand command, string text, ImapResponseCode? code = null) => _out.Tagged(command.Tag, ImapStatus.Ok, text, code);

    private void No(ImapCommand command, string text, ImapResponseCode? code = null) => _out.Tagged(command.Tag, ImapStatus.No, text, code);

    private void Bad(ImapCommand command, string text) => Error(command.Tag, text);

    private void Error(string? tag, string text)
    {
        if (tag is null)
        {
            _out.UntaggedStatus(ImapStatus.Bad, text);
        }
        else
        {
            _out.Tagged(tag, ImapStatus.Bad, text);
        }

        if (++_errors >= _services.Options.MaxErrors)
        {
            _out.UntaggedStatus(ImapStatus.Bye, "Too many errors");
            _closing = true;
        }
    }

    /// <summary>The next command has the idle timeout to arrive whole.</summary>
    private void CommandDone()
    {
        _inLiteral = false;
        Control.StopDataRate();
        Control.SetDeadline(SessionEndReason.CommandTimeout, _services.Options.IdleTimeout);
    }

    /// <summary>While a literal (APPEND) arrives, the minimum data rate applies instead of the command deadline (responses are timed against it always).</summary>
    private void FollowLiteral()
    {
        var inLiteral = _parser.AwaitingLiteral;
        if (inLiteral == _inLiteral)
        {
            return;
        }

        _inLiteral = inLiteral;
        if (inLiteral && _literalRate is not null)
        {
            // With the rate turned off (MinDataRate 0) the command deadline stays: a literal never waits for ever.
            Control.ClearDeadline(SessionEndReason.CommandTimeout);
            Control.StartDataRate(_literalRate);
        }
        else
        {
            Control.StopDataRate();
            Control.SetDeadline(SessionEndReason.CommandTimeout, _services.Options.IdleTimeout);
        }
    }

    /// <summary>The text of the BYE that tells the client why the server ends the session.</summary>
    private string EndText() => Control.Reason switch
    {
        SessionEndReason.LoginTimeout => "Autologout; not logged in in time",
        SessionEndReason.DataRateTooLow => "Autologout; data arrived too slowly",
        SessionEndReason.CredentialsRevoked => "Your credentials changed; log in again",
        SessionEndReason.ServerStopping => "Server shutting down",
        _ => "Autologout; idle for too long",
    };

    protected override ValueTask CloseAsync()
    {
        _output.Commit(); // a last BYE or tagged reply goes out with the close
        return base.CloseAsync();
    }

    private static MinDataRate? LiteralRate(ImapOptions options) => MinDataRate.FromOptions(options.MinDataRate, options.MinDataRateGracePeriod);
}
