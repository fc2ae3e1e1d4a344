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

/// <summary>A queued message with the claim (fencing token) its current worker holds.</summary>
public sealed record QueuedMessage(long Id, long Fence, BlobRef Blob, DateTimeOffset ReceivedAt, Envelope Envelope, int Attempts);

/// <summary>A final destination found by the categorizer; <see cref="Error"/> set when the recipient cannot be delivered.</summary>
public sealed record Route(string Recipient, string Original, bool IsLocal, string? Error = null);

/// <summary>One claimed delivery: a message to one final destination.</summary>
public sealed record DeliveryItem(
    long Id,
    long MessageId,
    long Fence,
    string Recipient,
    string Original,
    bool IsLocal,
    int Attempts,
    BlobRef Blob,
    string MailFrom,
    DateTimeOffset ReceivedAt);

/// <summary>What happened to a delivery attempt's result.</summary>
public enum DeliveryOutcome
{
    /// <summary>Stored (or found already stored by an earlier attempt).</summary>
    Delivered,

    /// <summary>The claim had lapsed and another worker owns the item: nothing was changed.</summary>
    ClaimLost,
}

/// <summary>Counts for operators and tests.</summary>
public sealed record QueueStatistics(int NewMessages, int RoutedMessages, int PendingLocalDeliveries, int PendingRemoteDeliveries, int FailedDeliveries)
{
    public int PendingDeliveries => PendingLocalDeliveries + PendingRemoteDeliveries;
}
