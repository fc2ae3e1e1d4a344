namespace Interchange.Storage.Queue;

/// <summary>One recipient of a queued message: where it goes, its state and its attempts so far.</summary>
/// <param name="DeliveryId">The delivery's id; 0 for a message not routed yet.</param>
/// <param name="Recipient">The final destination (a user key for local delivery, an address for remote).</param>
/// <param name="Original">The RCPT TO address it came from.</param>
/// <param name="Connector">The connector that delivers it; null before routing.</param>
/// <param name="LastReply">The last attempt's reply (a remote server's, or the connector's reason).</param>
/// <param name="NextAttempt">When it is due next; null when held, in flight, failed or delivered.</param>
/// <param name="LastAttempt">When the last attempt started; null when never attempted remotely.</param>
/// <param name="Owner">The worker whose attempt is under way (in flight only).</param>
public sealed record QueueRecipientStatus(
    long DeliveryId,
    string Recipient,
    string Original,
    string? Connector,
    QueueItemState State,
    int Attempts,
    string? LastReply,
    DateTimeOffset? NextAttempt,
    DateTimeOffset? LastAttempt,
    string? Owner,
    DateTimeOffset? LeaseUntil);
