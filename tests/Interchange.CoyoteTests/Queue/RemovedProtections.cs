namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// Protections of the queue contract that <see cref="MemoryQueueDatabase"/> can be told to leave
/// out, so that a test can be shown to find the bug each one prevents. None in normal runs; the
/// Coyote tests read <c>INTERCHANGE_COYOTE_REMOVE</c> (names, comma-separated).
/// </summary>
[Flags]
internal enum RemovedProtections
{
    None = 0,

    /// <summary>A completion (local delivery, or a remote claim's outcome) no longer checks the fence it was found with, nor a claim's lease.</summary>
    Fence = 1,

    /// <summary>Routing takes a message whether or not it is still new.</summary>
    StillNew = 2,

    /// <summary>Deliveries are no longer held behind an earlier message not yet routed.</summary>
    Hold = 4,

    /// <summary>Deliveries are partitioned by item, not by destination.</summary>
    Partition = 8,

    /// <summary>A report of failures (the bounce step) no longer checks that they are still unreported and under their fence.</summary>
    Reported = 16,
}
