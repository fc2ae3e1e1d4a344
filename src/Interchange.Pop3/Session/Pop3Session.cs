using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Directory.Security;
using Interchange.Pop3.Commands;
using Interchange.Storage.Mail;
using Microsoft.Extensions.Logging;

namespace Interchange.Pop3.Session;

/// <summary>
/// One POP3 connection (RFC 1939, RFC 2449 CAPA and response codes, RFC 2595 STLS, RFC 5034
/// SASL PLAIN). The maildrop is the user's INBOX as it was at login; DELE marks, RSET unmarks,
/// and only QUIT in the TRANSACTION state removes (UPDATE state). UIDL is the IMAP UID and
/// UIDVALIDITY in Dovecot's format, so it is stable across sessions and shared with IMAP.
/// The session holds the state; each command is one file in <c>Commands/</c>, dispatched by
/// <see cref="Pop3Commands"/>.
/// </summary>
internal sealed class Pop3Session : ServerSession
{
    private readonly Pop3Services _services;
    private readonly X509Certificate2? _certificate;
    private int _errors;
    private int _authAttempts;
    private bool _closing;
    private SessionHandle? _authentication;
    private MailboxSnapshot? _maildrop;
    private bool[] _deleted = [];

    public Pop3Session(Pop3Services services, AcceptedConnection connection, X509Certificate2? certificate)
        : base("POP3", connection, services.Limiter, services.Heartbeat, MinDataRate.FromOptions(services.Options.MinDataRate, services.Options.MinDataRateGracePeriod), services.Logger, services.Stopping)
    {
        _services = services;
        _certificate = certificate;
    }

    internal Pop3Services Services => _services;

    internal X509Certificate2? Certificate => _certificate;

    /// <summary>The maildrop as it was at login (the TRANSACTION state); null before.</summary>
    internal MailboxSnapshot? Maildrop => _maildrop;

    /// <summary>DELE's marks, by message number - 1.</summary>
    internal bool[] Deleted => _deleted;

    /// <summary>The name USER gave, for PASS.</summary>
    internal string? PendingUser { get; set; }

    internal bool InTransaction => _maildrop is not null;

    internal bool CanStartTls => !IsTls && _certificate is not null;

    internal bool PlaintextAllowed => IsTls || (_services.Options.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(Client));

    protected override ValueTask RefuseConnectionAsync()
    {
        Send("-ERR [SYS/TEMP] Too many connections, try again later");
        return ValueTask.CompletedTask;
    }

    protected override async Task ServeAsync()
    {
        Send($"+OK {_services.HostName} POP3 (Interchange) ready");
        Control.SetDeadline(SessionEndReason.LoginTimeout, _services.Options.LoginTimeout);
        while (!_closing)
        {
            var line = await ReadLineAsync().ConfigureAwait(false);
            switch (line.Kind)
            {
                case LineKind.Closed:
                    return; // no QUIT: nothing is deleted (RFC 1939 6)
                case LineKind.TimedOut:
                    Send("-ERR " + EndText());
                    return;
                case LineKind.TooLong:
                    Error("Line too long");
                    continue;
            }

            try
            {
                await Pop3Commands.DispatchAsync(this, line.Text).ConfigureAwait(false);
            }
            catch (Interchange.Storage.StoreException ex) when (ex.IsUnavailable)
            {
                // The store failed or is busy past its bound: temporary (RFC 3206 SYS/TEMP).
                Logger.LogWarning(ex, "POP3 {Id} from {Client}: the store is unavailable", Id, Client);
                Send("-ERR [SYS/TEMP] The mail store is unavailable, try again later");
            }
        }
    }

    protected override ValueTask OnEndedAsync()
    {
        EndTransaction();
        return ValueTask.CompletedTask;
    }

    internal async ValueTask LoginAsync(string user, string password)
    {
        _authAttempts++;
        var result = await _services.Authenticator.AuthenticateAsync(user, password, Client).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            Error(result.Outcome switch
            {
                AuthenticationOutcome.Throttled => "[SYS/TEMP] Too many failures, try later",
                AuthenticationOutcome.TemporaryFailure => "[SYS/TEMP] The directory is unavailable, try later", // RFC 3206 section 4
                _ => "[AUTH] Authentication failed",
            });
            if (_authAttempts >= _services.Options.MaxAuthAttempts)
            {
                Send("-ERR Too many authentication failures");
                _closing = true;
            }

            return;
        }

        var handle = result.Session!;
        var userKey = handle.Context.UserKey;
        if (!_services.Locks.TryTake(userKey, this))
        {
            handle.Dispose();
            Error("[IN-USE] The maildrop is in use by another POP3 session");
            return;
        }

        try
        {
            await _services.Mail.EnsureDefaultMailboxesAsync(userKey, ConnectionClosed).ConfigureAwait(false);
            _maildrop = await _services.Mail.SnapshotAsync(userKey, MailboxNames.Inbox, ConnectionClosed).ConfigureAwait(false)
                ?? throw new InvalidOperationException("INBOX vanished at login");
        }
        catch
        {
            _services.Locks.Release(userKey, this);
            handle.Dispose();
            throw;
        }

        _authentication = handle;
        Control.ClearDeadline(SessionEndReason.LoginTimeout);

        // A password change or disable ends the session at once (no QUIT: nothing is deleted).
        Control.EndWhen(SessionEndReason.CredentialsRevoked, handle.Context.Revoked);
        Control.User = handle.Context.UserKey;
        _deleted = new bool[_maildrop.Messages.Count];
        _services.Logger.LogInformation("POP3 {Id} from {Client}: {User} logged in, {Count} messages", Id, Client, handle.Context.Address, _maildrop.Messages.Count);
        Send($"+OK Logged in; maildrop has {_maildrop.Messages.Count} messages");
    }

    /// <summary>The message a number argument names, or null after answering -ERR.</summary>
    internal (int Number, StoredMessage Message)? Message(string argument)
    {
        if (!int.TryParse(argument.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 || number > _maildrop!.Messages.Count)
        {
            Error("No such message");
            return null;
        }

        if (_deleted[number - 1])
        {
            Error($"Message {number} is deleted");
            return null;
        }

        return (number, _maildrop.Messages[number - 1]);
    }

    internal IEnumerable<(int Number, StoredMessage Message)> Live() =>
        _maildrop!.Messages.Select((m, i) => (i + 1, m)).Where(x => !_deleted[x.Item1 - 1]);

    internal async ValueTask<Line> ReadLineAsync()
    {
        Control.SetDeadline(SessionEndReason.CommandTimeout, _services.Options.IdleTimeout);
        try
        {
            var line = await Transport.Lines.ReadLineAsync(_services.Options.MaxLineLength, FlushAsync, Control.Token).ConfigureAwait(false);

            // The deadline is for the client's line; the answer (a long RETR) is held to the data rate instead.
            Control.ClearDeadline(SessionEndReason.CommandTimeout);
            return line;
        }
        catch (OperationCanceledException) when (!ConnectionClosed.IsCancellationRequested)
        {
            return new Line(LineKind.TimedOut, string.Empty);
        }
    }

    /// <summary>Queues a line; it goes out when the session next waits for input (pipelining).</summary>
    internal void Send(string text) => Transport.Output.Write(Encoding.UTF8.GetBytes(text + "\r\n"));

    /// <summary>Queues a -ERR; past the error limit the session ends.</summary>
    internal void Error(string text)
    {
        Transport.Output.Write(Encoding.UTF8.GetBytes($"-ERR {text}\r\n"));
        if (++_errors >= _services.Options.MaxErrors)
        {
            Transport.Output.Write("-ERR Too many errors, closing\r\n"u8);
            _closing = true;
        }
    }

    internal async ValueTask FlushAsync() => await Transport.Output.FlushAsync(ConnectionClosed).ConfigureAwait(false);

    /// <summary>Ends the session after the replies queued so far.</summary>
    internal void Close() => _closing = true;

    private void EndTransaction()
    {
        if (_authentication is { } handle)
        {
            _services.Locks.Release(handle.Context.UserKey, this);
            handle.Dispose();
            _authentication = null;
        }
    }

    /// <summary>The -ERR text that tells the client why the server ends the session.</summary>
    internal string EndText() => Control.Reason switch
    {
        SessionEndReason.LoginTimeout => "[SYS/TEMP] Autologout; not logged in in time",
        SessionEndReason.CredentialsRevoked => "[AUTH] Your credentials changed; log in again",
        SessionEndReason.ServerStopping => "[SYS/TEMP] Server shutting down",
        SessionEndReason.EndedByAdministrator => "[SYS/TEMP] Session ended by the administrator",
        _ => "[SYS/TEMP] Autologout; idle for too long",
    };

}
