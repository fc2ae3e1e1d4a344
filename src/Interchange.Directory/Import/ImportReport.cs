namespace Interchange.Directory.Import;

/// <summary>
/// What an import did. Counts are of directory operations; <see cref="Errors"/> and
/// <see cref="Warnings"/> are in input order (up to <see cref="ImportOptions.MaxIssues"/> kept,
/// <see cref="ErrorCount"/> counts all).
/// </summary>
public sealed record ImportReport
{
    public long Entries { get; init; }

    public long Created { get; init; }

    public long Changed { get; init; }

    public long Unchanged { get; init; }

    public long Removed { get; init; }

    /// <summary>Entries refused: unreadable or invalid rows and operations the directory refused.</summary>
    public long ErrorCount { get; init; }

    public IReadOnlyList<ImportIssue> Errors { get; init; } = [];

    public IReadOnlyList<ImportIssue> Warnings { get; init; } = [];

    /// <summary>Set when the run resumed after an interrupted one: the entries before it were already committed.</summary>
    public long SkippedEntries { get; init; }

    /// <summary>The line the run resumed at (0 if it did not resume).</summary>
    public int ResumedAtLine { get; init; }

    public bool DryRun { get; init; }

    /// <summary>A problem with the whole file (no header, unreadable): nothing after it was read.</summary>
    public string? Fatal { get; init; }

    /// <summary>True when nothing was (or, in a dry run, would be) created, changed or removed.</summary>
    public bool NothingChanged => Created == 0 && Changed == 0 && Removed == 0;
}
