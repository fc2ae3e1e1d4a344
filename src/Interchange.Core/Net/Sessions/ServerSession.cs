using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace Interchange.Core.Net.Sessions;

/// <summary>
/// What every server session (SMTP, IMAP, POP3) does the same way around its protocol: the
/// connection limits (a refused client gets the protocol's own refusal), one
/// <see cref="SessionControl"/> from the heartbeat that ends on the peer leaving and on the
/// server stopping, the <see cref="SessionTransport"/> with its TLS upgrade, the logging of how the
/// session ended, and the close. A protocol supplies <see cref="ServeAsync"/> and what to say.
/// Rule 5 (bounded shutdown, nothing lost): a session marks a message transfer in flight
/// (<see cref="TransferStarted"/>), and when the server starts to stop each one is logged at once;
/// the session's reads end on the same signal and the protocol tells the client (421, BYE, -ERR).
/// </summary>
public abstract class ServerSession
{
    private readonly ConnectionLimiter _limiter;
    private readonly CancellationTokenRegistration _stopping;
    private Transfer? _transfer;

    protected ServerSession(string protocol, AcceptedConnection connection, ConnectionLimiter limiter, SessionHeartbeat heartbeat, MinDataRate? rate, ILogger logger, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(heartbeat);
        Protocol = protocol;
        Id = connection.Id;
        Client = connection.Client;
        ConnectionClosed = connection.Closed;
        Logger = logger;
        _limiter = limiter;
        Control = heartbeat.Open(connection.Closed, stopping);
        Control.Describe(protocol, connection.Id, connection.Client);
        Transport = new SessionTransport(connection.Transport, Control, rate, connection.Tls);
        _stopping = stopping.Register(static state => ((ServerSession)state!).LogTransferCutByStop(), this);
    }

    /// <summary>"SMTP", "IMAP", "POP3": how the log names the session.</summary>
    public string Protocol { get; }

    public string Id { get; }

    public IPAddress Client { get; }

    public bool IsTls => Transport.IsTls;

    public SessionControl Control { get; }

    public SessionTransport Transport { get; }

    /// <summary>Fires when the peer has gone; writes that must finish even as the session ends use it.</summary>
    public CancellationToken ConnectionClosed { get; }

    public ILogger Logger { get; }

    /// <summary>Is this how a connection ends from the outside (peer gone, reset, timed out, TLS failed), not a defect?</summary>
    public static bool IsDisconnect(Exception ex) =>
        ex is IOException or OperationCanceledException or ObjectDisposedException or AuthenticationException or Microsoft.AspNetCore.Connections.ConnectionResetException;

    /// <summary>The listener's kind as metrics tag it (<c>smtp</c>, <c>submission</c>, <c>imap</c>…): the protocol in lower case unless the protocol says more.</summary>
    protected virtual string MetricsProtocol => Protocol.ToLowerInvariant();

    public async Task RunAsync()
    {
        var entered = false;
        var protocolTag = new KeyValuePair<string, object?>("protocol", MetricsProtocol);
        SessionMetrics.Accepted.Add(1, protocolTag);
        SessionMetrics.Open.Add(1, protocolTag);
        try
        {
            if (!(entered = _limiter.TryEnter(Client)))
            {
                await RefuseConnectionAsync().ConfigureAwait(false);
                return;
            }

            await ServeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            Logger.LogDebug("{Protocol} {Id} from {Client} ended: {Reason}", Protocol, Id, Client, ex.Message);
        }
        catch (Exception ex)
        {
            // A defect, not the client's doing: log it with the session, drop this connection, keep serving.
            Logger.LogError(ex, "{Protocol} {Id} from {Client} failed", Protocol, Id, Client);
        }
        finally
        {
            if (entered)
            {
                _limiter.Leave(Client);
            }

            await _stopping.DisposeAsync().ConfigureAwait(false);
            try
            {
                await OnEndedAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsDisconnect(ex))
            {
                Logger.LogDebug("{Protocol} {Id} from {Client}: cleanup cut short: {Reason}", Protocol, Id, Client, ex.Message);
            }
            catch (Exception ex)
            {
                // Cleanup failing must not skip the close and leave the session on the heartbeat.
                Logger.LogError(ex, "{Protocol} {Id} from {Client}: cleanup failed", Protocol, Id, Client);
            }
            finally
            {
                try
                {
                    await CloseAsync().ConfigureAwait(false);
                }
                finally
                {
                    Control.Dispose(); // after the last flush, which the heartbeat still bounds
                    SessionMetrics.Open.Add(-1, protocolTag);
                }
            }
        }
    }

    /// <summary>The connection limits are reached: tell the client in the protocol's words (the close follows).</summary>
    protected abstract ValueTask RefuseConnectionAsync();

    /// <summary>The protocol's dialogue, from the greeting to the end.</summary>
    protected abstract Task ServeAsync();

    /// <summary>Releases what the session holds (a transaction, a login, a lock); runs however the session ended.</summary>
    protected virtual ValueTask OnEndedAsync() => ValueTask.CompletedTask;

    /// <summary>Sends what is buffered and closes the connection.</summary>
    protected virtual ValueTask CloseAsync() => Transport.CloseAsync();

    /// <summary>
    /// A message transfer begins (<paramref name="what"/>: "DATA", "APPEND", "RETR 3"); if the server
    /// starts to stop before <see cref="TransferEnded"/>, the transfer is logged with
    /// <paramref name="outcome"/>, what the client is told and what becomes of the message.
    /// </summary>
    public void TransferStarted(string what, string outcome) => Volatile.Write(ref _transfer, new Transfer(what, outcome));

    public void TransferEnded() => Volatile.Write(ref _transfer, null);

    /// <summary>Runs on the thread that signals the stop, once per session: one log line, nothing that waits.</summary>
    private void LogTransferCutByStop()
    {
        if (Volatile.Read(ref _transfer) is { } transfer)
        {
            Logger.LogWarning("{Protocol} {Id} from {Client}: server stopping during a message transfer ({What}); {Outcome}", Protocol, Id, Client, transfer.What, transfer.Outcome);
        }
    }

    private sealed record Transfer(string What, string Outcome);
}
