using Interchange.Storage.Accounts;

namespace Interchange.Directory.Ldap;

/// <summary>Interchange's directory as the sync compares against it: every user, alias and group, and the local domains.</summary>
public sealed record LdapDirectoryState(IReadOnlyList<UserRecord> Users, IReadOnlyList<AliasRecord> Aliases, IReadOnlyList<GroupRecord> Groups, IReadOnlyCollection<string> LocalDomains)
{
    public static async Task<LdapDirectoryState> ReadAsync(IDirectoryStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var users = await store.ListUsersAsync(null, cancellationToken).ConfigureAwait(false);
        var aliases = await store.ListAliasesAsync(null, cancellationToken).ConfigureAwait(false);
        var groups = await store.ListGroupsAsync(null, cancellationToken).ConfigureAwait(false);
        var domains = await store.ListDomainsAsync(cancellationToken).ConfigureAwait(false);
        return new LdapDirectoryState(users, aliases, groups, domains.Select(d => d.Name).ToList());
    }
}
