namespace Interchange.Storage.Queue;

/// <summary>
/// A delivery a DSN reports on: a failure not yet reported
/// (<see cref="IQueueStore.FindUnreportedAsync"/>), or a delivery still being retried
/// (<see cref="IQueueStore.FindDelayedAsync"/>). For a failure, <see cref="Id"/> and
/// <see cref="Fence"/> are its report ticket: <see cref="IQueueStore.ReportAsync"/> marks it
/// reported only if it is still failed, unreported and under this fence.
/// </summary>
/// <param name="Recipient">The final recipient (Final-Recipient).</param>
/// <param name="Original">The RCPT TO address it came from.</param>
/// <param name="LastReply">The last reply recorded for it ("550 5.1.1 no such user", "5.1.1 the mailbox no longer exists"); null if none.</param>
public sealed record ReportableDelivery(long Id, long Fence, string Recipient, string Original, string Connector, string? LastReply)
{
    /// <summary>NOTIFY of the RCPT TO it came from (RFC 3461 4.1), as stored; null when not given.</summary>
    public string? Notify { get; init; }

    /// <summary>ORCPT of the RCPT TO it came from (RFC 3461 4.2), still xtext-encoded; null when not given.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>The remote host that gave <see cref="LastReply"/> (<see cref="DeliveryOutcome.RemoteMta"/>); null when none did.</summary>
    public string? RemoteMta { get; init; }

    /// <summary>When its last remote attempt started; null when it never had one (a local or routing failure).</summary>
    public DateTimeOffset? LastAttempt { get; init; }

    public int Attempts { get; init; }
}
