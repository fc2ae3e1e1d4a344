namespace Interchange.Directory.Import;

/// <summary>How one import runs. The defaults suit a file of any size.</summary>
public sealed record ImportOptions
{
    /// <summary>
    /// Check every entry and report what would change; nothing is written (not even the
    /// checkpoint). The whole file is one transaction, rolled back, so the store's writer is busy
    /// for the time the check takes (seconds per 100,000 entries).
    /// </summary>
    public bool DryRun { get; init; }

    /// <summary>Entries per transaction: each batch commits (with the checkpoint) or not at all.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>
    /// Names the run for resuming (<see cref="DirectoryImporter.ComputeRunIdAsync"/>: a hash of the
    /// file and its format). Null: no checkpoint, the file is applied from its start.
    /// </summary>
    public string? RunId { get; init; }

    /// <summary>
    /// Leave the store idle between batches for as long as each batch held it, so a running
    /// server's writes (mail accepted, routed, delivered) are not starved by the import (about
    /// half the import's speed; off only for an import into a store nothing else uses).
    /// </summary>
    public bool YieldBetweenBatches { get; init; } = true;

    /// <summary>Start from the first entry even if the run stopped part-way before.</summary>
    public bool Restart { get; init; }

    /// <summary>What the checkpoint records about the run (a file name), for the administrator.</summary>
    public string Description { get; init; } = "import";

    /// <summary>Domains that users, aliases and groups are in are created when missing.</summary>
    public bool CreateDomains { get; init; } = true;

    /// <summary>Longest line (LDIF: after unfolding) or CSV row, in characters; a longer one is reported and skipped without being kept in memory.</summary>
    public int MaxLineLength { get; init; } = 1 << 20;

    /// <summary>Errors and warnings kept for the report; more are counted but not kept.</summary>
    public int MaxIssues { get; init; } = 10_000;
}
