using Interchange.Core.Concurrency;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Security;

/// <summary>
/// One shared <see cref="SecurityContext"/> per user, built on first login and kept until the
/// directory changes (ARCHITECTURE.md rule 3). Built on <see cref="AtomicCache{TKey, TValue}"/>:
/// concurrent logins of one user share one build; an invalidation marks the old context (stale,
/// and revoked when credentials changed) and removes exactly that entry, so it can neither erase
/// a context built after it nor let a build that began before it be handed out as current.
/// </summary>
public sealed class SecurityContextCache(IDirectoryStore store)
{
    private readonly AtomicCache<string, SecurityContext> _cache = new(StringComparer.Ordinal);

    // One cell per user that ever logged in (bounded by the directory's size); never removed, so
    // a revocation always reaches every context built before it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RevocationCell> _revocations = new(StringComparer.Ordinal);

    public int Count => _cache.Count;

    /// <summary>The user's current context; throws <see cref="UserNotFoundException"/> for an unknown user.</summary>
    public async ValueTask<SecurityContext> GetAsync(string userKey, CancellationToken cancellationToken = default)
    {
        var entry = await _cache.GetOrAddAsync(userKey, BuildAsync, cancellationToken).ConfigureAwait(false);
        return entry.Value;
    }

    /// <summary>Drops the user's context. With <paramref name="revoke"/>, sessions holding it see <see cref="SecurityContext.IsRevoked"/>.</summary>
    public bool Invalidate(string userKey, bool revoke)
    {
        if (revoke && _revocations.TryGetValue(userKey, out var cell))
        {
            cell.Revoke();
        }

        var entry = _cache.Invalidate(userKey);
        if (entry is null)
        {
            return false;
        }

        if (entry.HasValue)
        {
            entry.Value.MarkStale();
        }

        return true;
    }

    /// <summary>Drops every context (group or domain changes); sessions go on with what they hold.</summary>
    public int InvalidateAll()
    {
        var count = 0;
        foreach (var key in _cache.Keys.ToList())
        {
            if (Invalidate(key, revoke: false))
            {
                count++;
            }
        }

        return count;
    }

    private async Task<SecurityContext> BuildAsync(string userKey, CancellationToken cancellationToken)
    {
        if (await store.GetUserAsync(userKey, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new UserNotFoundException(userKey);
        }

        // The epoch is read before the credentials the context is built from: a revocation comes
        // after its change is committed, so either it moves the epoch after this read (the
        // context is revoked) or the credentials read below already include the change. Read the
        // other way round, a login racing a password change could keep the old password
        // unrevoked (found by CoyoteTests: the entry was invalidated only after the login had
        // taken it). Cells are made only for users that exist: unknown names cannot grow the table.
        var cell = _revocations.GetOrAdd(userKey, static _ => new RevocationCell());
        var generation = cell.Current;
        var user = await store.GetUserAsync(userKey, cancellationToken).ConfigureAwait(false)
            ?? throw new UserNotFoundException(userKey);
        var groups = await store.GetGroupsContainingAsync(userKey, cancellationToken).ConfigureAwait(false);
        var aliases = await store.GetAliasesOfAsync(userKey, cancellationToken).ConfigureAwait(false);
        return new SecurityContext(cell, generation, user.Key, user.Address, user.Disabled, user.CredentialVersion, user.PasswordHash, groups, [user.Address, .. aliases], user.Source);
    }
}
