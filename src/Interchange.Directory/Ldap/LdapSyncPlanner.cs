using Interchange.Core.Addressing;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Ldap;

/// <summary>
/// Computes the one-way sync (LDAP → Interchange): users (enabled or disabled), aliases (each
/// alternate address of a user targets that user) and groups (members by DN resolved to the
/// members' addresses), all with source <c>ldap</c>, exact membership, and removal of ldap-owned
/// entries LDAP no longer has. Entries made here (no source) are never touched: an LDAP entry
/// with the same address is skipped and reported. Pure, so it is tested without a server.
/// </summary>
public static class LdapSyncPlanner
{
    private const string Source = LdapOptions.SourceName;

    public static LdapSyncPlan Plan(LdapSnapshot snapshot, LdapDirectoryState state, bool createDomains)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(state);
        var skipped = new List<string>(snapshot.Skipped);
        var local = new HashSet<string>(state.LocalDomains, StringComparer.OrdinalIgnoreCase);
        var domainsToCreate = new SortedSet<string>(StringComparer.Ordinal);

        bool InScope(EmailAddress address, string what)
        {
            if (local.Contains(address.Domain.Value))
            {
                return true;
            }

            if (createDomains)
            {
                domainsToCreate.Add(address.Domain.Value);
                return true;
            }

            skipped.Add($"{what}: {address.Domain.Value} is not a local domain (Directory:Ldap:CreateDomains is off)");
            return false;
        }

        // Every wanted address once: users first, then their aliases, then groups.
        var claimed = new Dictionary<string, string>(StringComparer.Ordinal);
        bool Claim(EmailAddress address, string owner)
        {
            if (claimed.TryGetValue(address.Key, out var other))
            {
                skipped.Add($"{owner}: {address.Value} is already the address of {other}");
                return false;
            }

            claimed[address.Key] = owner;
            return true;
        }

        var byDn = new Dictionary<string, EmailAddress>(StringComparer.Ordinal);
        var users = new List<LdapUser>();
        foreach (var user in snapshot.Users)
        {
            if (InScope(user.Address, user.Dn) && Claim(user.Address, user.Dn))
            {
                users.Add(user);
                byDn.TryAdd(user.NormalizedDn, user.Address);
            }
        }

        var aliases = new List<(EmailAddress Alias, EmailAddress Target)>();
        foreach (var user in users)
        {
            foreach (var alias in user.Aliases)
            {
                if (InScope(alias, $"{user.Dn} ({alias.Value})") && Claim(alias, user.Dn))
                {
                    aliases.Add((alias, user.Address));
                }
            }
        }

        var groups = new List<LdapGroup>();
        foreach (var group in snapshot.Groups)
        {
            if (InScope(group.Address, group.Dn) && Claim(group.Address, group.Dn))
            {
                groups.Add(group);
                byDn.TryAdd(group.NormalizedDn, group.Address);
            }
        }

        // What Interchange has now, by key.
        var storeUsers = state.Users.ToDictionary(u => u.Key, StringComparer.Ordinal);
        var storeAliases = state.Aliases.ToDictionary(a => a.Key, StringComparer.Ordinal);
        var storeGroups = state.Groups.ToDictionary(g => g.Key, StringComparer.Ordinal);
        string? LocalOwner(string key) =>
            storeUsers.TryGetValue(key, out var u) && u.Source != Source ? "a local user"
            : storeAliases.TryGetValue(key, out var a) && a.Source != Source ? "a local alias"
            : storeGroups.TryGetValue(key, out var g) && g.Source != Source ? "a local group"
            : null;

        var operations = new List<DirectoryOperation>();
        foreach (var domain in domainsToCreate.Where(d => !local.Contains(d)))
        {
            operations.Add(new EnsureDomain(0, domain));
        }

        // Removals first, so that an address that moved (an alias that became a user, a renamed
        // user) is free when it is created again below.
        var wantedUsers = users.Select(u => u.Address.Key).ToHashSet(StringComparer.Ordinal);
        var wantedAliases = aliases.Select(a => a.Alias.Key).ToHashSet(StringComparer.Ordinal);
        var wantedGroups = groups.Select(g => g.Address.Key).ToHashSet(StringComparer.Ordinal);
        var removals = new List<DirectoryOperation>();
        removals.AddRange(state.Groups.Where(g => g.Source == Source && !wantedGroups.Contains(g.Key)).Select(g => new RemoveEntry(0, g.Key, AddressKind.Group, Source)));
        removals.AddRange(state.Aliases.Where(a => a.Source == Source && !wantedAliases.Contains(a.Key)).Select(a => new RemoveEntry(0, a.Key, AddressKind.Alias, Source)));
        removals.AddRange(state.Users.Where(u => u.Source == Source && !wantedUsers.Contains(u.Key)).Select(u => new RemoveEntry(0, u.Key, AddressKind.User, Source)));
        if (users.Count == 0 && state.Users.Any(u => u.Source == Source))
        {
            // A search that suddenly finds nobody is far more often a wrong filter, base DN or
            // permission than a directory emptied on purpose: keep everyone (docs/LDAP.md).
            skipped.Add($"LDAP returned no users while {state.Users.Count(u => u.Source == Source)} synced users exist: nothing is removed (empty the directory's users on purpose by removing them here)");
            removals.Clear();
        }

        operations.AddRange(removals);

        var usable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            var key = user.Address.Key;
            if (storeUsers.TryGetValue(key, out var existing))
            {
                if (existing.Source != Source)
                {
                    skipped.Add($"{user.Dn}: {user.Address.Value} is a local user, not from LDAP; left alone");
                    continue;
                }

                usable.Add(key);
                if (existing.Disabled != user.Disabled)
                {
                    operations.Add(new EnsureUser(0, key, user.Address.Value, user.Address.Domain.Value, Disabled: user.Disabled, Source: Source));
                }

                continue;
            }

            if (LocalOwner(key) is { } owner)
            {
                skipped.Add($"{user.Dn}: {user.Address.Value} is {owner}; left alone");
                continue;
            }

            usable.Add(key);
            operations.Add(new EnsureUser(0, key, user.Address.Value, user.Address.Domain.Value, Disabled: user.Disabled, Source: Source));
        }

        foreach (var (alias, target) in aliases)
        {
            if (!usable.Contains(target.Key))
            {
                continue;
            }

            if (LocalOwner(alias.Key) is { } owner)
            {
                skipped.Add($"{alias.Value} (of {target.Value}) is {owner}; left alone");
                continue;
            }

            if (storeAliases.TryGetValue(alias.Key, out var existing) && existing.Targets.Count == 1 && KeyOf(existing.Targets[0]) == target.Key)
            {
                continue;
            }

            operations.Add(new EnsureAlias(0, alias.Key, alias.Value, alias.Domain.Value, [new DirectoryReference(target.Value, target.Key)], Exact: true, Source: Source));
        }

        // A group naming another group comes after it (the store wants members to exist).
        var groupByKey = groups.ToDictionary(g => g.Address.Key, StringComparer.Ordinal);
        var orderedGroups = new List<LdapGroup>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        void Place(LdapGroup group)
        {
            if (placed.Contains(group.Address.Key) || !visiting.Add(group.Address.Key))
            {
                return; // done, or a cycle (the store refuses the member that closes it)
            }

            foreach (var memberDn in group.MemberDns)
            {
                if (byDn.TryGetValue(memberDn, out var member) && groupByKey.TryGetValue(member.Key, out var inner))
                {
                    Place(inner);
                }
            }

            placed.Add(group.Address.Key);
            orderedGroups.Add(group);
        }

        foreach (var group in groups)
        {
            Place(group);
        }

        var unresolved = 0;
        foreach (var group in orderedGroups)
        {
            var key = group.Address.Key;
            if (LocalOwner(key) is { } owner)
            {
                skipped.Add($"{group.Dn}: {group.Address.Value} is {owner}; left alone");
                continue;
            }

            var members = new List<DirectoryReference>();
            var memberKeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var memberDn in group.MemberDns)
            {
                // Members the sync does not bring (filtered out, another domain, no mail) are left out.
                if (byDn.TryGetValue(memberDn, out var member) && (usable.Contains(member.Key) || groupByKey.ContainsKey(member.Key)) && memberKeys.Add(member.Key))
                {
                    members.Add(new DirectoryReference(member.Value, member.Key));
                }
                else if (!byDn.ContainsKey(memberDn))
                {
                    unresolved++;
                }
            }

            if (storeGroups.TryGetValue(key, out var existing) && existing.Members.Select(KeyOf).ToHashSet(StringComparer.Ordinal).SetEquals(memberKeys))
            {
                continue;
            }

            operations.Add(new EnsureGroup(0, key, group.Address.Value, group.Address.Domain.Value, members, Exact: true, Source: Source));
        }

        if (unresolved > 0)
        {
            skipped.Add($"{unresolved} group member(s) name entries the sync does not bring (no address, outside the filters or the base DN)");
        }

        return new LdapSyncPlan(operations, skipped, users.Count, aliases.Count, groups.Count);
    }

    private static string KeyOf(string address) => EmailAddress.TryParse(address, out var parsed, out _) ? parsed.Key : address.ToLowerInvariant();
}
