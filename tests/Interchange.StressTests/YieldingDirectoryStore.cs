using Interchange.Storage.Accounts;

namespace Interchange.StressTests;

/// <summary>
/// Forwards to a real store but yields at random before and after each read that builds a
/// security context, so that builds interleave with invalidations in as many ways as possible.
/// </summary>
internal sealed class YieldingDirectoryStore(IDirectoryStore inner) : IDirectoryStore
{
    public Task AddDomainAsync(string name, CancellationToken cancellationToken = default) => inner.AddDomainAsync(name, cancellationToken);

    public Task RemoveDomainAsync(string name, bool force, CancellationToken cancellationToken = default) => inner.RemoveDomainAsync(name, force, cancellationToken);

    public Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken cancellationToken = default) => inner.ListDomainsAsync(cancellationToken);

    public Task<bool> DomainExistsAsync(string name, CancellationToken cancellationToken = default) => inner.DomainExistsAsync(name, cancellationToken);

    public Task<string?> GetPrimaryDomainAsync(CancellationToken cancellationToken = default) => inner.GetPrimaryDomainAsync(cancellationToken);

    public Task SetPrimaryDomainAsync(string name, CancellationToken cancellationToken = default) => inner.SetPrimaryDomainAsync(name, cancellationToken);

    public Task<DirectoryEntry?> FindAsync(string key, CancellationToken cancellationToken = default) => inner.FindAsync(key, cancellationToken);

    public Task AddUserAsync(string key, string address, string domain, string? passwordHash, CancellationToken cancellationToken = default) => inner.AddUserAsync(key, address, domain, passwordHash, cancellationToken);

    public async Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default)
    {
        await Jitter().ConfigureAwait(false);
        var user = await inner.GetUserAsync(key, cancellationToken).ConfigureAwait(false);
        await Jitter().ConfigureAwait(false);
        return user;
    }

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(string? domain = null, CancellationToken cancellationToken = default) => inner.ListUsersAsync(domain, cancellationToken);

    public Task SetPasswordAsync(string key, string passwordHash, CancellationToken cancellationToken = default) => inner.SetPasswordAsync(key, passwordHash, cancellationToken);

    public Task SetDisabledAsync(string key, bool disabled, CancellationToken cancellationToken = default) => inner.SetDisabledAsync(key, disabled, cancellationToken);

    public Task RemoveUserAsync(string key, CancellationToken cancellationToken = default) => inner.RemoveUserAsync(key, cancellationToken);

    public Task AddAliasTargetAsync(string aliasKey, string aliasAddress, string domain, string target, string targetKey, CancellationToken cancellationToken = default) => inner.AddAliasTargetAsync(aliasKey, aliasAddress, domain, target, targetKey, cancellationToken);

    public Task RemoveAliasAsync(string aliasKey, string? targetKey, CancellationToken cancellationToken = default) => inner.RemoveAliasAsync(aliasKey, targetKey, cancellationToken);

    public Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(string? domain = null, CancellationToken cancellationToken = default) => inner.ListAliasesAsync(domain, cancellationToken);

    public Task<IReadOnlyList<string>> GetAliasTargetsAsync(string aliasKey, CancellationToken cancellationToken = default) => inner.GetAliasTargetsAsync(aliasKey, cancellationToken);

    public async Task<IReadOnlyList<string>> GetAliasesOfAsync(string targetKey, CancellationToken cancellationToken = default)
    {
        await Jitter().ConfigureAwait(false);
        var aliases = await inner.GetAliasesOfAsync(targetKey, cancellationToken).ConfigureAwait(false);
        await Jitter().ConfigureAwait(false);
        return aliases;
    }

    public Task AddGroupAsync(string key, string address, string domain, CancellationToken cancellationToken = default) => inner.AddGroupAsync(key, address, domain, cancellationToken);

    public Task RemoveGroupAsync(string key, CancellationToken cancellationToken = default) => inner.RemoveGroupAsync(key, cancellationToken);

    public Task AddGroupMemberAsync(string groupKey, string member, string memberKey, CancellationToken cancellationToken = default) => inner.AddGroupMemberAsync(groupKey, member, memberKey, cancellationToken);

    public Task RemoveGroupMemberAsync(string groupKey, string memberKey, CancellationToken cancellationToken = default) => inner.RemoveGroupMemberAsync(groupKey, memberKey, cancellationToken);

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string? domain = null, CancellationToken cancellationToken = default) => inner.ListGroupsAsync(domain, cancellationToken);

    public Task<IReadOnlyList<string>> GetGroupMembersAsync(string groupKey, CancellationToken cancellationToken = default) => inner.GetGroupMembersAsync(groupKey, cancellationToken);

    public Task<IReadOnlyList<string>> GetGroupsContainingAsync(string key, CancellationToken cancellationToken = default) => inner.GetGroupsContainingAsync(key, cancellationToken);

    public Task<long> LatestChangeAsync(CancellationToken cancellationToken = default) => inner.LatestChangeAsync(cancellationToken);

    public Task<IReadOnlyList<DirectoryChange>> ChangesSinceAsync(long sequence, int max, CancellationToken cancellationToken = default) => inner.ChangesSinceAsync(sequence, max, cancellationToken);

    private static async Task Jitter()
    {
        switch (Random.Shared.Next(4))
        {
            case 0:
                await Task.Yield();
                break;
            case 1:
                await Task.Delay(1).ConfigureAwait(false);
                break;
        }
    }

    public Task SetRoleAsync(string key, UserRole role, CancellationToken cancellationToken = default) => inner.SetRoleAsync(key, role, cancellationToken);

    public Task<DirectoryBatchResult> ApplyAsync(DirectoryBatch batch, CancellationToken cancellationToken = default) => inner.ApplyAsync(batch, cancellationToken);

    public Task<ImportCheckpoint?> GetImportCheckpointAsync(string runId, CancellationToken cancellationToken = default) => inner.GetImportCheckpointAsync(runId, cancellationToken);
}
