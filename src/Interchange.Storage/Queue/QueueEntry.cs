namespace Interchange.Storage.Queue;

/// <summary>A queued message as an administrator sees it: its envelope and its recipients' states.</summary>
/// <param name="Id">The queue id (what <c>queue show</c>, <c>retry</c>, <c>hold</c>... take).</param>
/// <param name="Envelope">The envelope as accepted, recipients in RCPT order with their DSN parameters.</param>
/// <param name="Recipients">
/// Each final destination with its state (from <see cref="IQueueStore.ShowAsync"/>: all of them;
/// from <see cref="IQueueStore.ListAsync"/>: those the filter matched). A message not routed yet
/// shows its RCPT TO addresses in state <see cref="QueueItemState.New"/>.
/// </param>
public sealed record QueueEntry(long Id, DateTimeOffset ReceivedAt, long Size, Envelope Envelope, IReadOnlyList<QueueRecipientStatus> Recipients);
