using Interchange.Smtp.Filters;
using Interchange.Core.Net;
using Interchange.Directory.Security;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Session;

/// <summary>What every session of a server shares: settings, the accept path, authentication, policy, limits.</summary>
internal sealed record SmtpServices(
    SmtpOptions Options,
    string HostName,
    ConnectionLimiter Limiter,
    SessionHeartbeat Heartbeat,
    MessageAcceptor Acceptor,
    Authenticator Authenticator,
    RecipientPolicy Policy,
    ILogger Logger,
    IReadOnlyList<ISmtpFilter> Filters,
    CancellationToken Stopping);
