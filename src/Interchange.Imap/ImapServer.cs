using System.Security.Cryptography.X509Certificates;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Directory.Security;
using Interchange.Imap.Session;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Imap;

/// <summary>The IMAP service for the imap (143, STARTTLS) and imaps (993) listeners; per-connection state lives in sessions.</summary>
public sealed class ImapServer(ImapOptions options, string hostName, Authenticator authenticator, IMailStore mail, IBlobStore blobs, IMessageContentStore contents, MailboxEvents events, X509Certificate2? certificate, SessionHeartbeat heartbeat, IHostApplicationLifetime? lifetime, ILogger<ImapServer> logger, int inlineMessageSize = SpillingContentWriter.DefaultInlineLimit)
{
    private readonly ImapServices _services = new(options, hostName, new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerAddress), heartbeat, authenticator, mail, blobs, contents, events, new Fetch.MessageStructureCache(options.StructureCacheMegabytes * 1024L * 1024), new MailboxSnapshotCache(mail, options.SnapshotCacheMessages), certificate, logger, inlineMessageSize, lifetime?.ApplicationStopping ?? CancellationToken.None);

    public Task HandleAsync(ConnectionContext connection, bool tls) =>
        new ImapSession(_services, AcceptedConnection.From(connection, tls)).RunAsync();
}
