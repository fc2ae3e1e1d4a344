namespace Interchange.Storage.Accounts;

/// <summary>
/// Persistence of the directory. Keys are normalised addresses (see
/// <c>Interchange.Core.Addressing.EmailAddress.Key</c>; a catch-all alias is <c>@domain</c>);
/// callers validate, the store enforces uniqueness and integrity atomically. Every mutation
/// appends to the change log in the same transaction, so a watcher never misses one.
/// Implementations: SQLite (embedded), PostgreSQL later; both pass the contract tests.
/// </summary>
public interface IDirectoryStore
{
    Task AddDomainAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Removes a domain. Without <paramref name="force"/>, refuses (Conflict) while addresses exist in it.</summary>
    Task RemoveDomainAsync(string name, bool force, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken cancellationToken = default);

    Task<bool> DomainExistsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The primary domain recorded at the first start (null in a store made before it was recorded).</summary>
    Task<string?> GetPrimaryDomainAsync(CancellationToken cancellationToken = default);

    /// <summary>Records the primary domain, which must be a local domain (not found otherwise).</summary>
    Task SetPrimaryDomainAsync(string name, CancellationToken cancellationToken = default);

    Task<DirectoryEntry?> FindAsync(string key, CancellationToken cancellationToken = default);

    Task AddUserAsync(string key, string address, string domain, string? passwordHash, CancellationToken cancellationToken = default);

    Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<UserRecord>> ListUsersAsync(string? domain = null, CancellationToken cancellationToken = default);

    /// <summary>Sets the password hash and bumps the credential version.</summary>
    Task SetPasswordAsync(string key, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Enables or disables a user and bumps the credential version.</summary>
    Task SetDisabledAsync(string key, bool disabled, CancellationToken cancellationToken = default);

    /// <summary>Removes a user, and with it its group memberships and the alias targets naming it.</summary>
    Task RemoveUserAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Adds a target to an alias, creating the alias if needed.</summary>
    Task AddAliasTargetAsync(string aliasKey, string aliasAddress, string domain, string target, string targetKey, CancellationToken cancellationToken = default);

    /// <summary>Removes one target (or the whole alias when <paramref name="targetKey"/> is null).</summary>
    Task RemoveAliasAsync(string aliasKey, string? targetKey, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(string? domain = null, CancellationToken cancellationToken = default);

    /// <summary>Targets of the alias, as written (empty if none or not an alias).</summary>
    Task<IReadOnlyList<string>> GetAliasTargetsAsync(string aliasKey, CancellationToken cancellationToken = default);

    /// <summary>Addresses of the aliases that name <paramref name="targetKey"/> directly.</summary>
    Task<IReadOnlyList<string>> GetAliasesOfAsync(string targetKey, CancellationToken cancellationToken = default);

    Task AddGroupAsync(string key, string address, string domain, CancellationToken cancellationToken = default);

    /// <summary>Removes a group and its memberships in other groups.</summary>
    Task RemoveGroupAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Adds a member; refuses (Conflict) a member that is the group itself or contains it, directly or through nested groups.</summary>
    Task AddGroupMemberAsync(string groupKey, string member, string memberKey, CancellationToken cancellationToken = default);

    Task RemoveGroupMemberAsync(string groupKey, string memberKey, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string? domain = null, CancellationToken cancellationToken = default);

    /// <summary>Direct members of a group, as written.</summary>
    Task<IReadOnlyList<string>> GetGroupMembersAsync(string groupKey, CancellationToken cancellationToken = default);

    /// <summary>Addresses of every group that contains <paramref name="key"/>, directly or through nesting.</summary>
    Task<IReadOnlyList<string>> GetGroupsContainingAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Gives a user a role (an administrator manages the server); a change of standing, so its sessions end.</summary>
    Task SetRoleAsync(string key, UserRole role, CancellationToken cancellationToken = default);

    /// <summary>Applies many changes in one transaction (bulk import, LDAP sync); see <see cref="DirectoryBatch"/>.</summary>
    Task<DirectoryBatchResult> ApplyAsync(DirectoryBatch batch, CancellationToken cancellationToken = default);

    /// <summary>Where the import run <paramref name="runId"/> stopped (null if it never committed a batch).</summary>
    Task<ImportCheckpoint?> GetImportCheckpointAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Sequence number of the newest change (0 if none).</summary>
    Task<long> LatestChangeAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DirectoryChange>> ChangesSinceAsync(long sequence, int max, CancellationToken cancellationToken = default);
}
