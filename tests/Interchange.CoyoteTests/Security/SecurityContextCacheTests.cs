using Interchange.Directory.Security;
using Interchange.Storage.Accounts;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Interchange.CoyoteTests.Security;

/// <summary>
/// ARCHITECTURE.md rule 3 under every interleaving Coyote chooses: a login racing a password
/// change never comes away with a context that holds the old password and is not revoked.
/// </summary>
public static class SecurityContextCacheTests
{
    private const string User = "alice";

    /// <summary>
    /// Two logins race a password change (store commit, then revoke-and-invalidate, as the
    /// directory change watcher does). Whatever each login got: either it is revoked (its sessions
    /// end) or it was built from the new credentials. Afterwards the cache serves the new ones.
    /// </summary>
    [Test]
    public static async Task A_login_racing_a_password_change_never_keeps_the_old_password_unrevoked()
    {
        var store = new MemoryDirectoryStore(new UserRecord(User, "alice@example.org", "old-hash", Disabled: false, CredentialVersion: 1));
        var cache = new SecurityContextCache(store);

        var first = Task.Run(() => cache.GetAsync(User).AsTask());
        var second = Task.Run(() => cache.GetAsync(User).AsTask());
        var change = Task.Run(async () =>
        {
            await store.ChangePasswordAsync("new-hash");
            cache.Invalidate(User, revoke: true);
        });
        // Awaited one by one: Coyote 1.7 does not intercept the span overload of Task.WhenAll.
        await change;

        var current = store.User.CredentialVersion;
        foreach (var context in new[] { await first, await second })
        {
            Specification.Assert(
                context.IsRevoked || context.CredentialVersion == current,
                $"a login got credential version {context.CredentialVersion}, not revoked (stale {context.IsStale}), after the change to {current}");
        }

        var after = await cache.GetAsync(User);
        Specification.Assert(after.CredentialVersion == current && !after.IsRevoked && !after.IsStale,
            $"after the change the cache served version {after.CredentialVersion} (revoked {after.IsRevoked}, stale {after.IsStale})");
    }

    /// <summary>Concurrent logins of one user share one build: one context object for both.</summary>
    [Test]
    public static async Task Concurrent_logins_share_one_context()
    {
        var store = new MemoryDirectoryStore(new UserRecord(User, "alice@example.org", "hash", Disabled: false, CredentialVersion: 1));
        var cache = new SecurityContextCache(store);

        var first = Task.Run(() => cache.GetAsync(User).AsTask());
        var second = Task.Run(() => cache.GetAsync(User).AsTask());

        Specification.Assert(ReferenceEquals(await first, await second), "two concurrent logins built two contexts");
    }
}
