using Interchange.Storage.Accounts;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// A fixed directory for routing: users and aliases of one domain. Reads yield first, as a
/// store's would, so the categorizer's resolution interleaves with the other workers.
/// </summary>
internal sealed class RoutingDirectory(string domain, IReadOnlyList<string> users, IReadOnlyDictionary<string, string[]> aliases) : UnsupportedDirectoryStore
{
    public override async Task<DirectoryEntry?> FindAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return users.Contains(key) ? new DirectoryEntry(key, key, AddressKind.User)
            : aliases.ContainsKey(key) ? new DirectoryEntry(key, key, AddressKind.Alias)
            : null;
    }

    public override async Task<IReadOnlyList<string>> GetAliasTargetsAsync(string aliasKey, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return aliases.TryGetValue(aliasKey, out var targets) ? targets : [];
    }

    public override async Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return users.Contains(key) ? new UserRecord(key, key, PasswordHash: null, Disabled: false, CredentialVersion: 1) : null;
    }

    public override Task<bool> DomainExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(string.Equals(name, domain, StringComparison.OrdinalIgnoreCase));

    public override Task<IReadOnlyList<string>> GetGroupMembersAsync(string groupKey, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
