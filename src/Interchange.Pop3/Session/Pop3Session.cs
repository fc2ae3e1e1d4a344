using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Interchange.Core.Net;
using Interchange.Directory.Security;
using Interchange.Pop3.Protocol;
using Interchange.Storage.Mail;
using Microsoft.Extensions.Logging;

namespace Interchange.Pop3.Session;

/// <summary>
/// One POP3 connection (RFC 1939, RFC 2449 CAPA and response codes, RFC 2595 STLS, RFC 5034
/// SASL PLAIN). The maildrop is the user's INBOX as it was at login; DELE marks, RSET unmarks,
/// and only QUIT in the TRANSACTION state removes (UPDATE state). UIDL is the IMAP UID and
/// UIDVALIDITY in Dovecot's format, so it is stable across sessions and shared with IMAP.
/// </summary>
internal sealed class Pop3Session
{
    private readonly Pop3Services _services;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationToken _connectionClosed;
    private readonly LineReader _lines;
    private readonly SessionControl _control;
    private PipeWriter _writer;
    private int _errors;
    private int _authAttempts;
    private bool _closing;
    private string? _pendingUser;
    private SessionHandle? _authentication;
    private MailboxSnapshot? _maildrop;
    private bool[] _deleted = [];

    public Pop3Session(Pop3Services services, IPAddress client, IDuplexPipe transport, bool tls, X509Certificate2? certificate, string id, CancellationToken connectionClosed)
    {
        _services = services;
        Client = client;
        IsTls = tls;
        _certificate = certificate;
        Id = id;
        _connectionClosed = connectionClosed;
        _control = services.Heartbeat.Open(connectionClosed, services.Stopping);
        _lines = new LineReader(new TimedPipeReader(transport.Input, _control));
        _writer = new TimedPipeWriter(transport.Output, _control, MinDataRate.FromOptions(services.Options.MinDataRate, services.Options.MinDataRateGracePeriod));
    }

    public string Id { get; }

    public IPAddress Client { get; }

    public bool IsTls { get; private set; }

    private bool InTransaction => _maildrop is not null;

    private bool PlaintextAllowed => IsTls || (_services.Options.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(Client));

    public async Task RunAsync()
    {
        var entered = false;
        try
        {
            if (!(entered = _services.Limiter.TryEnter(Client)))
            {
                Send("-ERR [SYS/TEMP] Too many connections, try again later");
                return;
            }

            Send($"+OK {_services.HostName} POP3 (Interchange) ready");
            _control.SetDeadline(SessionEndReason.LoginTimeout, _services.Options.LoginTimeout);
            while (!_closing)
            {
                var line = await ReadAsync().ConfigureAwait(false);
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

                await DispatchAsync(line.Text).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or AuthenticationException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            _services.Logger.LogDebug("POP3 {Id} from {Client} ended: {Reason}", Id, Client, ex.Message);
        }
        catch (Exception ex)
        {
            _services.Logger.LogError(ex, "POP3 {Id} from {Client} failed", Id, Client);
        }
        finally
        {
            if (entered)
            {
                _services.Limiter.Leave(Client);
            }

            EndTransaction();
            await CloseAsync().ConfigureAwait(false);
            _control.Dispose(); // after the last flush, which the heartbeat still bounds
        }
    }

    private async ValueTask DispatchAsync(string line)
    {
        var space = line.IndexOf(' ');
        var command = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var argument = space < 0 ? string.Empty : line[(space + 1)..];
        switch (command)
        {
            case "CAPA":
                await CapaAsync().ConfigureAwait(false);
                return;
            case "QUIT":
                await QuitAsync().ConfigureAwait(false);
                return;
            case "NOOP" when InTransaction:
                Send("+OK");
                return;
        }

        if (!InTransaction)
        {
            switch (command)
            {
                case "STLS":
                    await StlsAsync().ConfigureAwait(false);
                    return;
                case "USER":
                    await UserAsync(argument).ConfigureAwait(false);
                    return;
                case "PASS":
                    await PassAsync(argument).ConfigureAwait(false);
                    return;
                case "AUTH":
                    await AuthAsync(argument).ConfigureAwait(false);
                    return;
                case "STAT" or "LIST" or "RETR" or "DELE" or "RSET" or "TOP" or "UIDL" or "NOOP":
                    Error("Not logged in yet");
                    return;
            }
        }
        else
        {
            switch (command)
            {
                case "STAT":
                    Send($"+OK {Live().Count()} {Live().Sum(m => m.Message.Size)}");
                    return;
                case "LIST":
                    await ListAsync(argument, uidl: false).ConfigureAwait(false);
                    return;
                case "UIDL":
                    await ListAsync(argument, uidl: true).ConfigureAwait(false);
                    return;
                case "RETR":
                    await RetrieveAsync(argument, null).ConfigureAwait(false);
                    return;
                case "TOP":
                    await TopAsync(argument).ConfigureAwait(false);
                    return;
                case "DELE":
                    await DeleteAsync(argument).ConfigureAwait(false);
                    return;
                case "RSET":
                    Array.Clear(_deleted);
                    Send($"+OK maildrop has {Live().Count()} messages");
                    return;
                case "STLS" or "USER" or "PASS" or "AUTH":
                    Error("Already logged in");
                    return;
            }
        }

        Error("Unknown command");
    }

    private async ValueTask CapaAsync()
    {
        var capabilities = new List<string> { "+OK Capability list follows", "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Interchange" };
        if (!InTransaction && PlaintextAllowed)
        {
            capabilities.Add("USER");
            capabilities.Add("SASL PLAIN");
        }

        if (!InTransaction && !IsTls && _certificate is not null)
        {
            capabilities.Add("STLS");
        }

        capabilities.Add(".");
        Send(string.Join("\r\n", capabilities));
    }

    private async ValueTask StlsAsync()
    {
        if (IsTls || _certificate is null)
        {
            Error(IsTls ? "Already using TLS" : "TLS not available");
            return;
        }

        // RFC 2595 4: nothing sent before the handshake counts. Discard it before the +OK leaves: after
        // that, what arrives may already be the client's ClientHello, and discarding it would leave
        // the handshake waiting (seen under load as a client's handshake timing out).
        _lines.DiscardBuffered();
        Send("+OK Begin TLS negotiation");
        await FlushAsync().ConfigureAwait(false); // the client must see it before the handshake starts
        var ssl = new SslStream(new DuplexPipeStream(_lines.Reader, _writer), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_control.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate, EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 }, timeout.Token).ConfigureAwait(false);
        _lines.Reader = PipeReader.Create(ssl);
        _writer = PipeWriter.Create(ssl);
        IsTls = true;
        _pendingUser = null;
    }

    private async ValueTask UserAsync(string argument)
    {
        if (!PlaintextAllowed)
        {
            Error("[AUTH] Plaintext authentication is only allowed after STLS");
            return;
        }

        if (argument.Length == 0)
        {
            Error("Usage: USER name");
            return;
        }

        _pendingUser = argument;
        Send("+OK");
    }

    private async ValueTask PassAsync(string argument)
    {
        if (_pendingUser is null)
        {
            Error("USER first");
            return;
        }

        var user = _pendingUser;
        _pendingUser = null;
        await LoginAsync(user, argument).ConfigureAwait(false);
    }

    private async ValueTask AuthAsync(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            Send("+OK\r\nPLAIN\r\n.");
            return;
        }

        if (!string.Equals(parts[0], "PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            Error("Unsupported mechanism");
            return;
        }

        if (!PlaintextAllowed)
        {
            Error("[AUTH] PLAIN is only allowed after STLS");
            return;
        }

        var response = parts.Length > 1 ? parts[1] : null;
        if (response is null)
        {
            Send("+ ");
            var line = await ReadAsync().ConfigureAwait(false);
            if (line.Kind != LineKind.Text)
            {
                if (line.Kind == LineKind.TimedOut)
                {
                    Send("-ERR " + EndText());
                }

                _closing = true;
                return;
            }

            response = line.Text.Trim();
        }

        if (SaslResponses.IsCancel(response))
        {
            Error("Authentication cancelled");
            return;
        }

        if (!SaslResponses.TryDecode(response, out var decoded))
        {
            Error("Cannot decode the response");
            return;
        }

        if (!SaslResponses.TryParsePlain(decoded, out var user, out var password))
        {
            Error("[AUTH] Authentication failed");
            return;
        }

        await LoginAsync(user, password).ConfigureAwait(false);
    }

    private async ValueTask LoginAsync(string user, string password)
    {
        _authAttempts++;
        var result = await _services.Authenticator.AuthenticateAsync(user, password, Client).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            Error(result.Outcome == AuthenticationOutcome.Throttled ? "[SYS/TEMP] Too many failures, try later" : "[AUTH] Authentication failed");
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
            await _services.Mail.EnsureDefaultMailboxesAsync(userKey, _connectionClosed).ConfigureAwait(false);
            _maildrop = await _services.Mail.SnapshotAsync(userKey, MailboxNames.Inbox, _connectionClosed).ConfigureAwait(false)
                ?? throw new InvalidOperationException("INBOX vanished at login");
        }
        catch
        {
            _services.Locks.Release(userKey, this);
            handle.Dispose();
            throw;
        }

        _authentication = handle;
        _control.ClearDeadline(SessionEndReason.LoginTimeout);

        // A password change or disable ends the session at once (no QUIT: nothing is deleted).
        _control.EndWhen(SessionEndReason.CredentialsRevoked, handle.Context.Revoked);
        _deleted = new bool[_maildrop.Messages.Count];
        _services.Logger.LogInformation("POP3 {Id} from {Client}: {User} logged in, {Count} messages", Id, Client, handle.Context.Address, _maildrop.Messages.Count);
        Send($"+OK Logged in; maildrop has {_maildrop.Messages.Count} messages");
    }

    private async ValueTask ListAsync(string argument, bool uidl)
    {
        string Line(int number, StoredMessage message) => uidl
            ? $"{number} {message.Uid:X8}{_maildrop!.UidValidity:X8}"
            : $"{number} {message.Size}";

        if (argument.Length > 0)
        {
            if (Message(argument) is { } one)
            {
                Send("+OK " + Line(one.Number, one.Message));
            }

            return;
        }

        var text = new StringBuilder("+OK\r\n");
        foreach (var (number, message) in Live())
        {
            text.Append(Line(number, message)).Append("\r\n");
        }

        Send(text.Append('.').ToString());
    }

    private async ValueTask TopAsync(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var lines))
        {
            Error("Usage: TOP msg n");
            return;
        }

        await RetrieveAsync(parts[0], lines).ConfigureAwait(false);
    }

    /// <summary>RETR (all of it) or TOP (header + <paramref name="topLines"/> body lines), byte-stuffed.</summary>
    private async ValueTask RetrieveAsync(string argument, int? topLines)
    {
        if (Message(argument) is not { } found)
        {
            return;
        }

        var message = found.Message;
        Stream body;
        try
        {
            body = _services.Blobs.OpenRead(message.Blob);
        }
        catch (FileNotFoundException)
        {
            _services.Logger.LogError("POP3 {Id}: message {Uid} names a blob that is missing", Id, message.Uid);
            Error("[SYS/PERM] The message content is missing");
            return;
        }

        await using (body.ConfigureAwait(false))
        {
            _writer.Write(Encoding.ASCII.GetBytes(topLines is null ? $"+OK {message.Size} octets\r\n" : "+OK\r\n"));
            var stuffer = new DotStuffer();
            var top = topLines is { } n ? new TopFilter(n) : null;
            void Emit(ReadOnlySpan<byte> data)
            {
                var take = top?.Take(data) ?? data.Length;
                stuffer.Write(data[..take], _writer);
            }

            Emit(message.Prefix);
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                int read;
                // The session's token: a revoked or stopping session ends mid-transfer too.
                while (top is not { IsDone: true } && (read = await body.ReadAsync(buffer, _control.Token).ConfigureAwait(false)) > 0)
                {
                    Emit(buffer.AsSpan(0, read));
                    await _writer.FlushAsync(_control.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            stuffer.Complete(_writer);
        }
    }

    private async ValueTask DeleteAsync(string argument)
    {
        if (Message(argument) is not { } found)
        {
            return;
        }

        _deleted[found.Number - 1] = true;
        Send($"+OK message {found.Number} deleted");
    }

    private async ValueTask QuitAsync()
    {
        _closing = true;
        if (!InTransaction)
        {
            Send($"+OK {_services.HostName} POP3 signing off");
            return;
        }

        // UPDATE state (RFC 1939 6): remove what was marked, now and only now.
        var uids = _maildrop!.Messages.Where((_, i) => _deleted[i]).Select(m => m.Uid).ToList();
        try
        {
            if (uids.Count > 0)
            {
                await _services.Mail.StoreFlagsAsync(_maildrop.Id, uids, FlagChange.Add, [MessageFlags.Deleted], cancellationToken: CancellationToken.None).ConfigureAwait(false);
                await _services.Mail.ExpungeAsync(_maildrop.Id, uids, CancellationToken.None).ConfigureAwait(false);
            }

            Send($"+OK {_services.HostName} POP3 signing off ({uids.Count} messages deleted)");
        }
        catch (Exception ex) when (ex is Interchange.Storage.StoreException or InvalidOperationException)
        {
            _services.Logger.LogError(ex, "POP3 {Id}: removing {Count} messages at QUIT failed", Id, uids.Count);
            Send("-ERR [SYS/TEMP] Some deleted messages were not removed");
        }
    }

    /// <summary>The message a number argument names, or null after answering -ERR.</summary>
    private (int Number, StoredMessage Message)? Message(string argument)
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

    private IEnumerable<(int Number, StoredMessage Message)> Live() =>
        _maildrop!.Messages.Select((m, i) => (i + 1, m)).Where(x => !_deleted[x.Item1 - 1]);

    private async ValueTask<Line> ReadAsync()
    {
        _control.SetDeadline(SessionEndReason.CommandTimeout, _services.Options.IdleTimeout);
        try
        {
            var line = await _lines.ReadLineAsync(_services.Options.MaxLineLength, FlushAsync, _control.Token).ConfigureAwait(false);

            // The deadline is for the client's line; the answer (a long RETR) is held to the data rate instead.
            _control.ClearDeadline(SessionEndReason.CommandTimeout);
            return line;
        }
        catch (OperationCanceledException) when (!_connectionClosed.IsCancellationRequested)
        {
            return new Line(LineKind.TimedOut, string.Empty);
        }
    }

    /// <summary>Queues a line; it goes out when the session next waits for input (pipelining).</summary>
    private void Send(string text) => _writer.Write(Encoding.UTF8.GetBytes(text + "\r\n"));

    /// <summary>Queues a -ERR; past the error limit the session ends.</summary>
    private void Error(string text)
    {
        _writer.Write(Encoding.UTF8.GetBytes($"-ERR {text}\r\n"));
        if (++_errors >= _services.Options.MaxErrors)
        {
            _writer.Write("-ERR Too many errors, closing\r\n"u8);
            _closing = true;
        }
    }

    private async ValueTask FlushAsync() => await _writer.FlushAsync(_connectionClosed).ConfigureAwait(false);

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
    private string EndText() => _control.Reason switch
    {
        SessionEndReason.LoginTimeout => "[SYS/TEMP] Autologout; not logged in in time",
        SessionEndReason.CredentialsRevoked => "[AUTH] Your credentials changed; log in again",
        SessionEndReason.ServerStopping => "[SYS/TEMP] Server shutting down",
        _ => "[SYS/TEMP] Autologout; idle for too long",
    };

    private ValueTask CloseAsync() => PipeClosing.CloseQuietlyAsync(_lines.Reader, _writer);
}
