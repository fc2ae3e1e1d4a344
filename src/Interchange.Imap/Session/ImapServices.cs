using System.Security.Cryptography.X509Certificates;
using Interchange.Core.Net;
using Interchange.Directory.Security;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Microsoft.Extensions.Logging;

namespace Interchange.Imap.Session;

/// <summary>What every IMAP session shares.</summary>
internal sealed record ImapServices(
    ImapOptions Options,
    string HostName,
    ConnectionLimiter Limiter,
    SessionHeartbeat Heartbeat,
    Authenticator Authenticator,
    IMailStore Mail,
    IBlobStore Blobs,
    Storage.Content.IMessageContentStore Contents,
    MailboxEvents Events,
    Fetch.MessageStructureCache Structures,
    MailboxSnapshotCache Snapshots,
    X509Certificate2? Certificate,
    ILogger Logger,
    int InlineMessageSize,
    CancellationToken Stopping);
