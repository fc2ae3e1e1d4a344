namespace Interchange.Core.Concurrency;

/// <summary>
/// The one lock order of the process (ARCHITECTURE.md section 4, rule 1). A flow may only
/// acquire a lock whose level is strictly higher than every lock it already holds, so two
/// locks of the same level are never held together and an A→B / B→A inversion is impossible.
/// Levels are spaced so later components can slot in between without renumbering.
/// </summary>
public enum LockLevel
{
    /// <summary>Host-wide registries: listeners, configuration reload.</summary>
    Host = 100,

    /// <summary>The directory's in-memory views: routing table, directory snapshot.</summary>
    Directory = 200,

    /// <summary>A user's security context while it is being rebuilt.</summary>
    SecurityContext = 300,

    /// <summary>Transport queue bookkeeping (claims, wake-ups).</summary>
    Queue = 400,

    /// <summary>One mailbox's shared session state (selected-mailbox views, POP3 lock).</summary>
    Mailbox = 500,

    /// <summary>A store session or store-wide structure (open mailbox table).</summary>
    Store = 600,

    /// <summary>The store's single writer and its batch.</summary>
    StoreWriter = 700,

    /// <summary>The blob store's directory bookkeeping.</summary>
    BlobStore = 800,

    /// <summary>Leaf locks that never call out: counters, small in-memory tables.</summary>
    Leaf = 1000,
}
