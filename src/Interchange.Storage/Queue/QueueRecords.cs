using Interchange.Storage.Blobs;

namespace Interchange.Storage.Queue;

/// <summary>A recipient as the client gave it in RCPT TO, with its DSN parameters (RFC 3461).</summary>
public sealed record QueuedRecipient(string Address, string? Notify = null, string? OriginalRecipient = null);

/// <summary>The envelope and trace data of a message being accepted.</summary>
public sealed record Envelope(
    string MailFrom,
    IReadOnlyList<QueuedRecipient> Recipients,
    string Client,
    string? AuthenticatedUser = null,
    string? EnvelopeId = null,
    string? Return = null,
    string? BodyType = null,
    bool SmtpUtf8 = false);

/// <summary>A message waiting for the categorizer.</summary>
public sealed record QueuedMessage(long Id, BlobRef Blob, DateTimeOffset ReceivedAt, Envelope Envelope, int Attempts);

/// <summary>
/// A final destination found by the categorizer and the connector that will deliver to it (its
/// name, such as <c>local</c>); <see cref="Error"/> set when the recipient cannot be delivered.
/// </summary>
public sealed record Route(string Recipient, string Original, string Connector, string? Error = null);
