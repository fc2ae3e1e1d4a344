using Interchange.Storage.Accounts;

namespace Interchange.CoyoteTests;

/// <summary>
/// The directory store's contract with every member refusing: a test double overrides the part
/// it plays (lookups, a user list) and the rest fails loudly if a test reaches it.
/// </summary>
internal abstract class UnsupportedDirectoryStore : IDirectoryStore
{
    public virtual Task AddDomainAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task RemoveDomainAsync(string name, bool force, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<bool> DomainExistsAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<string?> GetPrimaryDomainAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task SetPrimaryDomainAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<DirectoryEntry?> FindAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task AddUserAsync(string key, string address, string domain, string? passwordHash, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<UserRecord>> ListUsersAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task SetPasswordAsync(string key, string passwordHash, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task SetDisabledAsync(string key, bool disabled, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task RemoveUserAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task AddAliasTargetAsync(string aliasKey, string aliasAddress, string domain, string target, string targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task RemoveAliasAsync(string aliasKey, string? targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<string>> GetAliasTargetsAsync(string aliasKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<string>> GetAliasesOfAsync(string targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task AddGroupAsync(string key, string address, string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task RemoveGroupAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task AddGroupMemberAsync(string groupKey, string member, string memberKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task RemoveGroupMemberAsync(string groupKey, string memberKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<string>> GetGroupMembersAsync(string groupKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<string>> GetGroupsContainingAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<long> LatestChangeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<DirectoryChange>> ChangesSinceAsync(long sequence, int max, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task SetRoleAsync(string key, UserRole role, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<DirectoryBatchResult> ApplyAsync(DirectoryBatch batch, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<ImportCheckpoint?> GetImportCheckpointAsync(string runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
