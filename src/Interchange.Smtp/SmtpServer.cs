using System.Security.Cryptography.X509Certificates;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Directory.Security;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Session;
using Interchange.Transport.Queue;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp;

/// <summary>
/// The SMTP service for every SMTP listener (25, 587, 465). Holds no per-connection state: each
/// connection gets an <see cref="SmtpSession"/> (STYLE.md: a connection handler holds none).
/// </summary>
public sealed class SmtpServer
{
    private readonly SmtpServices _services;
    private readonly X509Certificate2? _certificate;

    public SmtpServer(SmtpOptions options, string hostName, MessageAcceptor acceptor, Authenticator authenticator, RecipientPolicy policy, X509Certificate2? certificate, SessionHeartbeat heartbeat, IHostApplicationLifetime? lifetime, ILogger<SmtpServer> logger, IEnumerable<ISmtpFilter>? filters = null)
    {
        _services = new SmtpServices(
            options,
            options.HostName ?? hostName,
            new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerAddress),
            heartbeat,
            acceptor,
            authenticator,
            policy,
            logger,
            [.. filters ?? []],
            lifetime?.ApplicationStopping ?? CancellationToken.None);
        _certificate = certificate;
    }

    /// <summary>Open connections now (all listeners).</summary>
    public int Connections => _services.Limiter.Total;

    /// <summary>Serves one connection; <paramref name="tls"/> when the listener already did the TLS handshake (465).</summary>
    public Task HandleAsync(ConnectionContext connection, ListenerKind kind, bool tls) =>
        new SmtpSession(_services, kind, AcceptedConnection.From(connection, tls), _certificate).RunAsync();
}
