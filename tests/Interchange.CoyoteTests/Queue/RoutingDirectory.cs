using Interchange.Storage.Accounts;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// A fixed directory for routing: users and aliases of one domain. Reads yield first, as a
/// store's would, so the categorizer's resolution interleaves with the other workers.
/// </summary>
internal sealed class RoutingDirectory(string domain, IReadOnlyList<string> users, IReadOnlyDictionary<string, string[]> aliases) : IDirectoryStore
{
    public async Task<DirectoryEntry?> FindAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return users.Contains(key) ? new DirectoryEntry(key, key, AddressKind.User)
            : aliases.ContainsKey(key) ? new DirectoryEntry(key, key, AddressKind.Alias)
            : null;
    }

    public async Task<IReadOnlyList<string>> GetAliasTargetsAsync(string aliasKey, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return aliases.TryGetValue(aliasKey, out var targets) ? targets : [];
    }

    public async Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return users.Contains(key) ? new UserRecord(key, key, PasswordHash: null, Disabled: false, CredentialVersion: 1) : null;
    }

    public Task<bool> DomainExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(string.Equals(name, domain, StringComparison.OrdinalIgnoreCase));

    public Task<IReadOnlyList<string>> GetGroupMembersAsync(string groupKey, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task AddDomainAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveDomainAsync(string name, bool force, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<string?> GetPrimaryDomainAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetPrimaryDomainAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddUserAsync(string key, string address, string domain, string? passwordHash, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetPasswordAsync(string key, string passwordHash, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetDisabledAsync(string key, bool disabled, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveUserAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddAliasTargetAsync(string aliasKey, string aliasAddress, string domain, string target, string targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveAliasAsync(string aliasKey, string? targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> GetAliasesOfAsync(string targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddGroupAsync(string key, string address, string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveGroupAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddGroupMemberAsync(string groupKey, string member, string memberKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveGroupMemberAsync(string groupKey, string memberKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> GetGroupsContainingAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long> LatestChangeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<DirectoryChange>> ChangesSinceAsync(long sequence, int max, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
