namespace Interchange.Storage.Accounts;

/// <summary>
/// Many directory changes applied as one transaction: the path bulk import and the LDAP sync take
/// (the CLI, the API and the console change one entry at a time through the single-entry calls,
/// which log to the same change log). Every operation says what the entry should be, not what to
/// do, so applying the same batch twice changes nothing the second time (<see cref="DirectoryOperationStatus.Unchanged"/>,
/// and no change-log entry). Each operation runs in its own savepoint: one that is refused
/// (<see cref="DirectoryOperationStatus.Failed"/> with the reason) leaves the others applied.
/// Keys are normalised addresses, as for the single-entry calls; callers validate and normalise.
/// </summary>
/// <param name="Operations">Applied in order (a domain before its users, a user before the alias naming it).</param>
/// <param name="Checkpoint">Recorded in the same transaction, so an interrupted import resumes after the last batch that committed.</param>
/// <param name="DryRun">Every operation is checked and its outcome reported, then the whole transaction is rolled back.</param>
public sealed record DirectoryBatch(IReadOnlyList<DirectoryOperation> Operations, ImportCheckpoint? Checkpoint = null, bool DryRun = false);

/// <summary>One wanted state of one entry. <see cref="Line"/> is where it came from (a file's line number, 0 if none), for error reports.</summary>
public abstract record DirectoryOperation(int Line);

/// <summary>The domain exists.</summary>
public sealed record EnsureDomain(int Line, string Name) : DirectoryOperation(Line);

/// <summary>
/// The user exists in <paramref name="Domain"/>. <paramref name="PasswordHash"/>: set when given
/// and different (a change of credentials: the user's sessions end); null leaves an existing
/// user's password alone and makes a new one "must set password". <paramref name="Disabled"/>
/// and <paramref name="Role"/>: set when given. <paramref name="Source"/>: the owner recorded on a
/// new entry; an existing entry owned by another source is refused (Conflict), so an import
/// cannot take over what LDAP keeps, nor the other way round.
/// </summary>
public sealed record EnsureUser(int Line, string Key, string Address, string Domain, string? PasswordHash = null, bool? Disabled = null, UserRole? Role = null, string? Source = null) : DirectoryOperation(Line);

/// <summary>
/// The alias exists with these targets (address as written, key). With <paramref name="Exact"/>
/// targets not listed are removed (a sync); without, they are kept (an import adds).
/// </summary>
public sealed record EnsureAlias(int Line, string Key, string Address, string Domain, IReadOnlyList<DirectoryReference> Targets, bool Exact = false, string? Source = null) : DirectoryOperation(Line);

/// <summary>The group exists with these members; <paramref name="Exact"/> as for <see cref="EnsureAlias"/>.</summary>
public sealed record EnsureGroup(int Line, string Key, string Address, string Domain, IReadOnlyList<DirectoryReference> Members, bool Exact = false, string? Source = null) : DirectoryOperation(Line);

/// <summary>
/// The entry is gone (references to it detached, as the single-entry removals do). Only if it is
/// of <paramref name="Kind"/> and owned by <paramref name="Source"/> (null: made here); an entry
/// already gone is Unchanged.
/// </summary>
public sealed record RemoveEntry(int Line, string Key, AddressKind Kind, string? Source = null) : DirectoryOperation(Line);

/// <summary>An alias target or group member: the address as written and its normalised key.</summary>
public sealed record DirectoryReference(string Address, string Key);

/// <summary>
/// How far an import got: <paramref name="RunId"/> names the run (a hash of the file and its
/// options), <paramref name="Position"/> the input position after this batch (a line or entry number).
/// </summary>
public sealed record ImportCheckpoint(string RunId, string Description, long Position, bool Finished = false);

public enum DirectoryOperationStatus
{
    Created,
    Changed,
    Unchanged,
    Removed,
    Failed,
}

/// <param name="Index">The operation's index in the batch.</param>
public sealed record DirectoryOperationOutcome(int Index, int Line, DirectoryOperationStatus Status, string? Error = null);

public sealed record DirectoryBatchResult(IReadOnlyList<DirectoryOperationOutcome> Outcomes)
{
    public int Count(DirectoryOperationStatus status) => Outcomes.Count(o => o.Status == status);
}
