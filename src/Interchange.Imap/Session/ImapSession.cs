using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Directory.Security;
using Interchange.Imap.Commands;
using Interchange.Imap.Protocol;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Microsoft.Extensions.Logging;

namespace Interchange.Imap.Session;

/// <summary>
/// One IMAP connection (RFC 3501, RFC 9051 when enabled). The loop reads commands with the
/// resumable <see cref="ImapCommandReader"/>, answers continuation requests for synchronizing
/// literals, and dispatches. The session holds the connection's state (login, selected mailbox,
/// enabled extensions, an AUTHENTICATE or APPEND literal under way) and the response helpers;
/// the commands are types of their own under <c>Commands/</c>, one per command or family.
/// Responses are buffered and flushed when the session next waits for input.
/// </summary>
internal sealed class ImapSession : ServerSession
{
    private int _errors;
    private bool _closing;
    private bool _startTls;
    private ImapCommand? _idleCommand;
    private readonly CommandPacer? _pacer;

    public ImapSession(ImapServices services, AcceptedConnection connection)
        : base("IMAP", connection, services.Limiter, services.Heartbeat, RateOf(services.Options), services.Logger, services.Stopping)
    {
        Services = services;
        LiteralRate = RateOf(services.Options);
        Output = new CoalescingPipeWriter(Transport.Output);
        Out = new ImapResponseWriter(Output);
        Parser = new ImapCommandReader(ImapParserOptions.Default with
        {
            // APPEND's message streams to storage (ReceiveLiteralAsync); every other literal is buffered, so small.
            StreamedLiteralCommands = ["APPEND"],
            MaxLiteralSize = services.Options.MaxBufferedLiteralSize,
        });
        _pacer = services.Options.MaxCommandsPerSecond > 0 ? new CommandPacer(services.Options.MaxCommandsPerSecond, Math.Max(1, services.Options.CommandBurst)) : null;
    }

    internal ImapServices Services { get; }

    /// <summary>The command reader; its literal handling is driven by APPEND and AUTHENTICATE too.</summary>
    internal ImapCommandReader Parser { get; }

    /// <summary>Where responses are written; replaced (with <see cref="Output"/>) after STARTTLS.</summary>
    internal ImapResponseWriter Out { get; private set; }

    internal CoalescingPipeWriter Output { get; private set; }

    public ImapState State { get; internal set; } = ImapState.NotAuthenticated;

    internal SessionHandle? Authentication
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
                Control.User = value.Context.UserKey;
            }
        }
    }

    internal SelectedMailbox? Selected { get; set; }

    internal bool Utf8Accept { get; set; }

    internal bool CondStore { get; set; }

    internal bool Rev2 { get; set; }

    internal int AuthAttempts { get; set; }

    /// <summary>An AUTHENTICATE waiting for the client's next response line, its mechanism, and LOGIN's user name once given.</summary>
    internal ImapCommand? SaslCommand { get; set; }

    internal string? SaslMechanism { get; set; }

    internal string? SaslUser { get; set; }

    /// <summary>SEARCHRES (RFC 5182): the last SEARCH's result, for "$".</summary>
    internal IReadOnlySet<uint>? SavedUids { get; set; }

    /// <summary>The literal of the command being read and the blob it went to; APPEND takes it.</summary>
    internal (ImapValue Value, Storage.Content.StagedContent Content, Storage.Mail.StoredStructure Structure)? StreamedLiteral { get; set; }

    /// <summary>The minimum data rate for literals (null: off).</summary>
    internal MinDataRate? LiteralRate { get; }

    /// <summary>A literal is arriving: the data rate applies instead of the command deadline.</summary>
    internal bool InLiteral { get; set; }

    /// <summary>APPENDLIMIT (RFC 7889): the largest message APPEND takes.</summary>
    internal long AppendLimit => Services.Options.MaxAppendSize;

    /// <summary>LOGIN and AUTHENTICATE may be used: under TLS, or from loopback when so configured.</summary>
    internal bool PlaintextAllowed => IsTls || (Services.Options.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(Client));

    internal bool CanStartTls => !IsTls && Services.Certificate is not null;

    internal string UserKey => Authentication!.Context.UserKey;

    protected override ValueTask RefuseConnectionAsync()
    {
        Out.UntaggedStatus(ImapStatus.Bye, "Too many connections, try again later", ImapResponseCode.Unavailable);
        return ValueTask.CompletedTask;
    }

    protected override async Task ServeAsync()
    {
        Out.UntaggedStatus(ImapStatus.Ok, $"{Services.HostName} Interchange IMAP ready", ImapResponseCode.Capability(Capabilities()));
        Control.SetDeadline(SessionEndReason.LoginTimeout, Services.Options.LoginTimeout);
        Control.SetDeadline(SessionEndReason.CommandTimeout, Services.Options.IdleTimeout);
        await CommandLoopAsync().ConfigureAwait(false);
    }

    protected override ValueTask OnEndedAsync()
    {
        if (_pacer is { Delayed: > 0 } pacer)
        {
            Services.Logger.LogInformation("IMAP {Id} from {Client}: {Delayed} commands waited, over {Rate} per second", Id, Client, pacer.Delayed, pacer.Rate);
        }

        Authentication?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task CommandLoopAsync()
    {
        while (!_closing)
        {
            await Output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
            ReadResult read;
            try
            {
                // One token for the session: deadlines, the literal rate, revocation and shutdown.
                read = await Transport.Input.ReadAsync(Control.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ConnectionClosed.IsCancellationRequested)
            {
                Out.UntaggedStatus(ImapStatus.Bye, EndText());
                return;
            }

            var buffer = read.Buffer;
            _startTls = false;
            ImapReadResult? streamed = null;
            while (!_closing && !_startTls && _idleCommand is null && !Control.HasEnded)
            {
                if (SaslCommand is { } authenticating)
                {
                    // The client's SASL response is a bare line, not a command.
                    if (buffer.PositionOf((byte)'\n') is not { } end)
                    {
                        if (buffer.Length > 16384)
                        {
                            Out.UntaggedStatus(ImapStatus.Bye, "Authentication response too long");
                            _closing = true;
                        }

                        break;
                    }

                    var response = System.Text.EncodingExtensions.GetString(System.Text.Encoding.ASCII, buffer.Slice(0, end)).Trim();
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    SaslCommand = null;
                    await AuthenticationCommands.FinishAuthenticateAsync(this, authenticating, response).ConfigureAwait(false);
                    continue;
                }

                var result = Parser.TryRead(ref buffer);
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
                        Parser.RefuseContinuation(ref buffer);
                        Error(null, "Literal too big before authentication");
                        continue;
                    }

                    Out.Continuation();
                    break;
                }

                if (result.Status == ImapReadStatus.Error)
                {
                    var error = result.Error!;
                    if (error.Tag is null)
                    {
                        Out.UntaggedStatus(error.Status, error.Message);
                    }
                    else
                    {
                        Out.Tagged(error.Tag, error.Status, error.Message, error.ResponseCode is null ? null : new ImapResponseCode(error.ResponseCode));
                    }

                    if (error.Recovery == ImapErrorRecovery.CloseConnection || ++_errors >= Services.Options.MaxErrors)
                    {
                        Out.UntaggedStatus(ImapStatus.Bye, "Too many errors");
                        _closing = true;
                    }

                    continue;
                }

                if (_pacer?.Take() is { } wait && wait > TimeSpan.Zero)
                {
                    // Over its command rate: answers so far go out, then this command waits its turn.
                    await Output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
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
                await AppendLiteral.ReceiveLiteralAsync(this, literal).ConfigureAwait(false);
                continue;
            }

            FollowLiteral();

            if (_idleCommand is { } idle)
            {
                // IDLE owns the reader until DONE (nothing may follow IDLE before its +).
                Transport.Input.AdvanceTo(buffer.Start, buffer.Start);
                _idleCommand = null;
                await IdleCommand.IdleAsync(this, idle).ConfigureAwait(false);
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
                    SessionCommands.Capability(this, command);
                    return;
                case "NOOP" or "CHECK":
                    await SessionCommands.NoopAsync(this, command).ConfigureAwait(false);
                    return;
                case "LOGOUT":
                    SessionCommands.Logout(this, command);
                    return;
                case "ID":
                    SessionCommands.Id(this, command);
                    return;
            }

            if (State == ImapState.NotAuthenticated)
            {
                switch (name)
                {
                    case "STARTTLS":
                        await SessionCommands.StartTlsAsync(this, command).ConfigureAwait(false);
                        return;
                    case "LOGIN":
                        await AuthenticationCommands.LoginAsync(this, command).ConfigureAwait(false);
                        return;
                    case "AUTHENTICATE":
                        await AuthenticationCommands.AuthenticateAsync(this, command).ConfigureAwait(false);
                        return;
                }

                Bad(command, IsKnown(name) ? "Log in first" : "Unknown command");
                return;
            }

            if (Authentication!.Context.IsRevoked)
            {
                Out.UntaggedStatus(ImapStatus.Bye, "Your credentials changed; log in again");
                _closing = true;
                return;
            }

            switch (name)
            {
                case "ENABLE" when State == ImapState.Selected:
                    Bad(command, "ENABLE is valid only before a mailbox is selected"); // RFC 5161 3.1, RFC 9051 6.3.1
                    return;
                case "ENABLE":
                    SessionCommands.Enable(this, command);
                    return;
                case "NAMESPACE":
                    SessionCommands.Namespace(this, command);
                    return;
                case "LIST" or "LSUB":
                    await MailboxCommands.ListAsync(this, command).ConfigureAwait(false);
                    return;
                case "STATUS":
                    await MailboxCommands.StatusAsync(this, command).ConfigureAwait(false);
                    return;
                case "CREATE" or "DELETE" or "RENAME" or "SUBSCRIBE" or "UNSUBSCRIBE":
                    await MailboxCommands.ManageAsync(this, command).ConfigureAwait(false);
                    return;
                case "SELECT" or "EXAMINE":
                    await SelectionCommands.SelectAsync(this, command, readOnly: name == "EXAMINE").ConfigureAwait(false);
                    return;
                case "APPEND":
                    await MessageCommands.AppendAsync(this, command).ConfigureAwait(false);
                    return;
                case "IDLE":
                    // Allowed in the authenticated state too (RFC 9051 6.3.13); with no mailbox selected there is nothing to report until DONE.
                    Out.Continuation("idling");
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
                    await SelectionCommands.CloseMailboxAsync(this, command, expunge: name == "CLOSE").ConfigureAwait(false);
                    return;
                case "EXPUNGE":
                    await SelectionCommands.ExpungeAsync(this, command).ConfigureAwait(false);
                    return;
                case "STORE":
                    await MessageCommands.StoreAsync(this, command).ConfigureAwait(false);
                    return;
                case "COPY" or "MOVE":
                    await MessageCommands.CopyAsync(this, command, move: name == "MOVE").ConfigureAwait(false);
                    return;
                case "FETCH":
                    await FetchSearchCommands.FetchAsync(this, command).ConfigureAwait(false);
                    return;
                case "SEARCH":
                    await FetchSearchCommands.SearchAsync(this, command).ConfigureAwait(false);
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
        catch (Interchange.Storage.StoreException ex) when (ex.IsUnavailable && !Out.InLine)
        {
            // The store failed or is busy past its bound: a temporary condition, not the command's fault.
            Services.Logger.LogWarning(ex, "IMAP {Id} from {Client}: {Command}: the store is unavailable", Id, Client, name);
            No(command, "The mail store is unavailable; try again later", ImapResponseCode.Unavailable);
        }
        catch (Exception ex) when (!Out.InLine && !IsDisconnect(ex))
        {
            // A bug that one command reaches (through a message's content, most likely) fails
            // that command, not the session. A response line already half written cannot be
            // mended: then the exception ends the connection, as before.
            Services.Logger.LogError(ex, "IMAP {Id} from {Client}: {Command} failed", Id, Client, name);
            No(command, "Internal error; the command was not completed", ImapResponseCode.ServerBug);
        }
    }

    private static bool IsKnown(string name) => ImapExtensions.IsKnown(name);

    internal IEnumerable<string> Capabilities() => ImapExtensions.Capabilities(this);

    /// <summary>STARTTLS was answered: the loop runs the handshake once the command's buffer is done with.</summary>
    internal void StartTlsAfterReply() => _startTls = true;

    private async ValueTask HandshakeAsync()
    {
        Parser.Reset();
        await Transport.StartTlsAsServerAsync(Services.Certificate!).ConfigureAwait(false);
        Output = new CoalescingPipeWriter(Transport.Output);
        Out = new ImapResponseWriter(Output, Utf8Accept);
    }

    /// <summary>"UID FETCH completed", "STORE completed": the command as the client named it.</summary>
    internal static string Completed(ImapCommand command) => command.IsUid ? $"UID {command.Name} completed" : $"{command.Name} completed";

    internal void Ok(ImapCommand command, string text, ImapResponseCode? code = null) => Out.Tagged(command.Tag, ImapStatus.Ok, text, code);

    internal void No(ImapCommand command, string text, ImapResponseCode? code = null) => Out.Tagged(command.Tag, ImapStatus.No, text, code);

    internal void Bad(ImapCommand command, string text) => Error(command.Tag, text);

    internal void Error(string? tag, string text)
    {
        if (tag is null)
        {
            Out.UntaggedStatus(ImapStatus.Bad, text);
        }
        else
        {
            Out.Tagged(tag, ImapStatus.Bad, text);
        }

        if (++_errors >= Services.Options.MaxErrors)
        {
            Out.UntaggedStatus(ImapStatus.Bye, "Too many errors");
            _closing = true;
        }
    }

    /// <summary>The next command has the idle timeout to arrive whole.</summary>
    internal void CommandDone()
    {
        InLiteral = false;
        Control.StopDataRate();
        Control.SetDeadline(SessionEndReason.CommandTimeout, Services.Options.IdleTimeout);
    }

    /// <summary>While a literal (APPEND) arrives, the minimum data rate applies instead of the command deadline (responses are timed against it always).</summary>
    private void FollowLiteral()
    {
        var inLiteral = Parser.AwaitingLiteral;
        if (inLiteral == InLiteral)
        {
            return;
        }

        InLiteral = inLiteral;
        if (inLiteral && LiteralRate is not null)
        {
            // With the rate turned off (MinDataRate 0) the command deadline stays: a literal never waits for ever.
            Control.ClearDeadline(SessionEndReason.CommandTimeout);
            Control.StartDataRate(LiteralRate);
        }
        else
        {
            Control.StopDataRate();
            Control.SetDeadline(SessionEndReason.CommandTimeout, Services.Options.IdleTimeout);
        }
    }

    /// <summary>Ends the session after the responses queued so far.</summary>
    internal void Close() => _closing = true;

    /// <summary>The text of the BYE that tells the client why the server ends the session.</summary>
    internal string EndText() => Control.Reason switch
    {
        SessionEndReason.LoginTimeout => "Autologout; not logged in in time",
        SessionEndReason.DataRateTooLow => "Autologout; data arrived too slowly",
        SessionEndReason.CredentialsRevoked => "Your credentials changed; log in again",
        SessionEndReason.ServerStopping => "Server shutting down",
        SessionEndReason.EndedByAdministrator => "Session ended by the administrator",
        _ => "Autologout; idle for too long",
    };

    protected override ValueTask CloseAsync()
    {
        Output.Commit(); // a last BYE or tagged reply goes out with the close
        return base.CloseAsync();
    }

    private static MinDataRate? RateOf(ImapOptions options) => MinDataRate.FromOptions(options.MinDataRate, options.MinDataRateGracePeriod);
}
