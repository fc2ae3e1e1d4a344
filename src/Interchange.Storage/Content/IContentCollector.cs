namespace Interchange.Storage.Content;

/// <summary>
/// Reclaims message content no queue entry and no mailbox message refers to any more (issue 9,
/// point 5). The store records each removed reference in the transaction that removes it; the
/// collector takes content only after <see cref="ContentCollectionOptions.Grace"/> has passed
/// since it first saw the release, and only in a transaction that finds nothing referring to it,
/// so content being written or just referenced again is never taken. A reference the store is
/// asked to add to content already taken is refused (<see cref="StoreException.IsUnavailable"/>:
/// the client retries), never committed dangling.
/// </summary>
public interface IContentCollector
{
    /// <summary>One pass: stamps new releases, then takes the releases past their grace.</summary>
    Task<ContentCollection> CollectAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds content files older than the grace that nothing refers to (written for a message
    /// the client then abandoned, or left by a crash between a deletion and its commit) and
    /// records them as released, for the next passes to take. Walks every file: run it rarely.
    /// </summary>
    Task<int> FindOrphansAsync(CancellationToken cancellationToken = default);
}
