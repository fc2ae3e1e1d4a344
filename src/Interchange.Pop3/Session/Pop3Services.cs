using Interchange.Core.Net;
using Interchange.Directory.Security;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Microsoft.Extensions.Logging;

namespace Interchange.Pop3.Session;

/// <summary>What every POP3 session shares.</summary>
internal sealed record Pop3Services(
    Pop3Options Options,
    string HostName,
    ConnectionLimiter Limiter,
    SessionHeartbeat Heartbeat,
    MaildropLocks Locks,
    Authenticator Authenticator,
    IMailStore Mail,
    IMessageContentStore Contents,
    ILogger Logger,
    CancellationToken Stopping);
