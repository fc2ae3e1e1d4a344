namespace Interchange.Storage.Queue;

/// <summary>What <see cref="IQueueStore.ReportAsync"/> did.</summary>
/// <param name="Reported">
/// False when nothing changed: a failure it names was no longer failed, unreported and under its
/// fence (another worker reported it first, an administrator deleted it). No DSN was queued then.
/// </param>
/// <param name="DsnId">The queue id of the DSN queued in the same transaction; null when none was given or nothing was reported.</param>
/// <param name="OriginalRemoved">The original left the queue: nothing else was left to do for it.</param>
public sealed record FailureReport(bool Reported, long? DsnId, bool OriginalRemoved)
{
    public static FailureReport Lost { get; } = new(false, null, false);
}
