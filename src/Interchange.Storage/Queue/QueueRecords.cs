using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>A recipient as the client gave it in RCPT TO, with its DSN parameters (RFC 3461).</summary>
public sealed record QueuedRecipient(string Address, string? Notify = null, string? OriginalRecipient = null);

/// <summary>The envelope and trace data of a message being accepted.</summary>
/// <param name="SourceKey">
/// For a message injected from something that may offer it again after a crash (a file in a
/// gateway's pickup folder): a key naming it there. The store queues a message with a key once;
/// offered again, it returns the first one's id and queues nothing (kept for
/// <c>IQueueStore.ForgetSourcesAsync</c>'s retention).
/// </param>
/// <param name="Folder">
/// The mailbox local recipients get the message in, when not INBOX: <c>Junk</c> for mail the
/// SMTP filters judged so (DMARC quarantine, a spam score over the threshold).
/// </param>
/// <param name="HoldReason">
/// Set when a filter asked for the message to be held (a milter's quarantine): its deliveries
/// start held, for an administrator to release (<c>queue release</c>) or delete.
/// </param>
public sealed record Envelope(
    string MailFrom,
    IReadOnlyList<QueuedRecipient> Recipients,
    string Client,
    string? AuthenticatedUser = null,
    string? EnvelopeId = null,
    string? Return = null,
    string? BodyType = null,
    bool SmtpUtf8 = false,
    string? SourceKey = null,
    string? Folder = null,
    string? HoldReason = null);

/// <summary>A message waiting for the categorizer.</summary>
public sealed record QueuedMessage(long Id, BlobRef Blob, DateTimeOffset ReceivedAt, Envelope Envelope, int Attempts);

/// <summary>
/// A final destination found by the categorizer and the connector that will deliver to it (its
/// name, such as <c>local</c>); <see cref="Error"/> set when the recipient cannot be delivered.
/// </summary>
public sealed record Route(string Recipient, string Original, string Connector, string? Error = null);
