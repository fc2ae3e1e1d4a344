using System.Security.Cryptography.X509Certificates;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Directory.Security;
using Interchange.Pop3.Session;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Pop3;

/// <summary>The POP3 service for the pop3 (110, STLS) and pop3s (995) listeners; per-connection state lives in sessions.</summary>
public sealed class Pop3Server
{
    private readonly Pop3Services _services;
    private readonly X509Certificate2? _certificate;

    public Pop3Server(Pop3Options options, string hostName, Authenticator authenticator, IMailStore mail, IMessageContentStore contents, X509Certificate2? certificate, SessionHeartbeat heartbeat, IHostApplicationLifetime? lifetime, ILogger<Pop3Server> logger)
    {
        _services = new Pop3Services(options, hostName, new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerAddress), heartbeat, new MaildropLocks(), authenticator, mail, contents, logger, lifetime?.ApplicationStopping ?? CancellationToken.None);
        _certificate = certificate;
    }

    public Task HandleAsync(ConnectionContext connection, bool tls) =>
        new Pop3Session(_services, AcceptedConnection.From(connection, tls), _certificate).RunAsync();
}
