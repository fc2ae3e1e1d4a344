using Interchange.Storage.Accounts;

namespace Interchange.CoyoteTests.Security;

/// <summary>
/// The part of a directory store a security context is built from, in memory. Every read yields
/// before and after it looks, so Coyote can put a credential change between any two reads of a build.
/// </summary>
internal sealed class MemoryDirectoryStore : IDirectoryStore
{
    private volatile UserRecord _user;

    public MemoryDirectoryStore(UserRecord user) => _user = user;

    public UserRecord User => _user;

    /// <summary>A password change as the store commits it: a new hash and the next credential version.</summary>
    public async Task ChangePasswordAsync(string hash)
    {
        await Task.Yield();
        var user = _user;
        _user = user with { PasswordHash = hash, CredentialVersion = user.CredentialVersion + 1 };
    }

    public async Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var user = _user;
        await Task.Yield();
        return user.Key == key ? user : null;
    }

    public async Task<IReadOnlyList<string>> GetGroupsContainingAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return [];
    }

    public async Task<IReadOnlyList<string>> GetAliasesOfAsync(string targetKey, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return [];
    }

    public Task AddDomainAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveDomainAsync(string name, bool force, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<bool> DomainExistsAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<string?> GetPrimaryDomainAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetPrimaryDomainAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<DirectoryEntry?> FindAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddUserAsync(string key, string address, string domain, string? passwordHash, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetPasswordAsync(string key, string passwordHash, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetDisabledAsync(string key, bool disabled, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveUserAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddAliasTargetAsync(string aliasKey, string aliasAddress, string domain, string target, string targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveAliasAsync(string aliasKey, string? targetKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> GetAliasTargetsAsync(string aliasKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddGroupAsync(string key, string address, string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveGroupAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AddGroupMemberAsync(string groupKey, string member, string memberKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RemoveGroupMemberAsync(string groupKey, string memberKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string? domain = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> GetGroupMembersAsync(string groupKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long> LatestChangeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<DirectoryChange>> ChangesSinceAsync(long sequence, int max, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
