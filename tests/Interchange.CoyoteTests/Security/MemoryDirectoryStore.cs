using Interchange.Storage.Accounts;

namespace Interchange.CoyoteTests.Security;

/// <summary>
/// The part of a directory store a security context is built from, in memory. Every read yields
/// before and after it looks, so Coyote can put a credential change between any two reads of a build.
/// </summary>
internal sealed class MemoryDirectoryStore : UnsupportedDirectoryStore
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

    public override async Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var user = _user;
        await Task.Yield();
        return user.Key == key ? user : null;
    }

    public override async Task<IReadOnlyList<string>> GetGroupsContainingAsync(string key, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return [];
    }

    public override async Task<IReadOnlyList<string>> GetAliasesOfAsync(string targetKey, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return [];
    }
}
