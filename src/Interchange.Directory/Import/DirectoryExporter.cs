using System.Text;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Import;

/// <summary>
/// Writes the directory as a file <see cref="DirectoryImporter"/> reads back to the same
/// directory. The order makes a fresh import work: domains, users, groups (empty), aliases (an
/// alias after the aliases it names), then groups with their members. It holds password hashes:
/// the file is sensitive (the CLI writes it readable by its owner only); nothing else secret is in
/// the directory.
/// </summary>
public sealed class DirectoryExporter(IDirectoryStore store)
{
    public async Task<ExportSummary> ExportAsync(Stream output, ImportFormat format, string? domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var domains = (await store.ListDomainsAsync(cancellationToken).ConfigureAwait(false))
            .Where(d => domain is null || d.Name == domain).Select(d => d.Name).ToList();
        var users = await store.ListUsersAsync(domain, cancellationToken).ConfigureAwait(false);
        var aliases = OrderAliases(await store.ListAliasesAsync(domain, cancellationToken).ConfigureAwait(false));
        var groups = await store.ListGroupsAsync(domain, cancellationToken).ConfigureAwait(false);

        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        if (format == ImportFormat.Ldif)
        {
            await WriteLdifAsync(writer, domains, users, aliases, groups, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await WriteCsvAsync(writer, domains, users, aliases, groups, cancellationToken).ConfigureAwait(false);
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new ExportSummary(domains.Count, users.Count, aliases.Count, groups.Count);
    }

    private static async Task WriteCsvAsync(TextWriter writer, List<string> domains, IReadOnlyList<UserRecord> users, List<AliasRecord> aliases, IReadOnlyList<GroupRecord> groups, CancellationToken cancellationToken)
    {
        var csv = new CsvRowWriter(writer);
        await csv.WriteRowAsync(CsvDirectoryReader.Columns, cancellationToken).ConfigureAwait(false);
        foreach (var d in domains)
        {
            await csv.WriteRowAsync(["domain", d, "", "", "", ""], cancellationToken).ConfigureAwait(false);
        }

        foreach (var u in users)
        {
            await csv.WriteRowAsync(["user", u.Address, u.PasswordHash ?? "", u.Disabled ? "true" : "false", u.Role == UserRole.Admin ? "admin" : "user", ""], cancellationToken).ConfigureAwait(false);
        }

        foreach (var g in groups)
        {
            await csv.WriteRowAsync(["group", g.Address, "", "", "", ""], cancellationToken).ConfigureAwait(false);
        }

        foreach (var a in aliases)
        {
            await csv.WriteRowAsync(["alias", a.Address, "", "", "", string.Join(' ', a.Targets)], cancellationToken).ConfigureAwait(false);
        }

        foreach (var g in groups.Where(g => g.Members.Count > 0))
        {
            await csv.WriteRowAsync(["group", g.Address, "", "", "", string.Join(' ', g.Members)], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// OpenLDAP's shapes: a <c>domain</c> entry per domain with <c>ou=people</c>, <c>ou=groups</c>
    /// and <c>ou=aliases</c> under it; users as <c>inetOrgPerson</c> (uid, cn and sn the local
    /// part), aliases as <c>nisMailAlias</c> (RFC 2307), groups as <c>groupOfNames</c> with a
    /// <c>mail</c>. A disabled user or an administrator carries <c>interchangeDisabled</c> /
    /// <c>interchangeRole</c> (read back by the importer; not in any LDAP schema).
    /// </summary>
    private static async Task WriteLdifAsync(TextWriter writer, List<string> domains, IReadOnlyList<UserRecord> users, List<AliasRecord> aliases, IReadOnlyList<GroupRecord> groups, CancellationToken cancellationToken)
    {
        var ldif = new LdifWriter(writer);
        var dnByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var u in users)
        {
            dnByKey[u.Key] = $"uid={EscapeDn(LocalPart(u.Address))},ou=people,{DomainDn(DomainOf(u.Key))}";
        }

        foreach (var a in aliases)
        {
            dnByKey[a.Key] = $"cn={EscapeDn(a.Address)},ou=aliases,{DomainDn(DomainOf(a.Key))}";
        }

        foreach (var g in groups)
        {
            dnByKey[g.Key] = $"cn={EscapeDn(LocalPart(g.Address))},ou=groups,{DomainDn(DomainOf(g.Key))}";
        }

        foreach (var d in domains)
        {
            var dn = DomainDn(d);
            await ldif.WriteRecordAsync(dn, [("objectClass", "top"), ("objectClass", "domain"), ("dc", d.Split('.')[0])], cancellationToken).ConfigureAwait(false);
            foreach (var ou in new[] { "people", "groups", "aliases" })
            {
                await ldif.WriteRecordAsync($"ou={ou},{dn}", [("objectClass", "top"), ("objectClass", "organizationalUnit"), ("ou", ou)], cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var u in users)
        {
            var local = LocalPart(u.Address);
            var attributes = new List<(string, string)>
            {
                ("objectClass", "top"), ("objectClass", "person"), ("objectClass", "organizationalPerson"), ("objectClass", "inetOrgPerson"),
                ("uid", local), ("cn", local), ("sn", local), ("mail", u.Address),
            };
            if (u.PasswordHash is not null)
            {
                attributes.Add(("userPassword", u.PasswordHash));
            }

            if (u.Disabled)
            {
                attributes.Add(("interchangeDisabled", "TRUE"));
            }

            if (u.Role == UserRole.Admin)
            {
                attributes.Add(("interchangeRole", "admin"));
            }

            await ldif.WriteRecordAsync(dnByKey[u.Key], attributes, cancellationToken).ConfigureAwait(false);
        }

        foreach (var a in aliases)
        {
            var attributes = new List<(string, string)> { ("objectClass", "top"), ("objectClass", "nisMailAlias"), ("cn", a.Address) };
            attributes.AddRange(a.Targets.Select(t => ("rfc822MailMember", t)));
            await ldif.WriteRecordAsync(dnByKey[a.Key], attributes, cancellationToken).ConfigureAwait(false);
        }

        foreach (var g in groups)
        {
            var attributes = new List<(string, string)> { ("objectClass", "top"), ("objectClass", "groupOfNames"), ("cn", LocalPart(g.Address)), ("mail", g.Address) };
            attributes.AddRange(g.Members.Select(m => ("member", dnByKey.TryGetValue(m.ToLowerInvariant(), out var dn) || dnByKey.TryGetValue(Key(m), out dn) ? dn : $"mail={EscapeDn(m)}")));
            await ldif.WriteRecordAsync(dnByKey[g.Key], attributes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Aliases that name other aliases come after them (a fresh import needs a target to exist); a cycle is written in list order.</summary>
    internal static List<AliasRecord> OrderAliases(IReadOnlyList<AliasRecord> aliases)
    {
        var byKey = aliases.ToDictionary(a => a.Key, StringComparer.Ordinal);
        var ordered = new List<AliasRecord>(aliases.Count);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        foreach (var alias in aliases)
        {
            var stack = new Stack<(AliasRecord Alias, int Next)>();
            if (state.ContainsKey(alias.Key))
            {
                continue;
            }

            stack.Push((alias, 0));
            state[alias.Key] = 1;
            while (stack.TryPop(out var frame))
            {
                var targets = frame.Alias.Targets;
                if (frame.Next < targets.Count)
                {
                    stack.Push((frame.Alias, frame.Next + 1));
                    if (byKey.TryGetValue(Key(targets[frame.Next]), out var inner) && !state.ContainsKey(inner.Key))
                    {
                        state[inner.Key] = 1;
                        stack.Push((inner, 0));
                    }

                    continue;
                }

                state[frame.Alias.Key] = 2;
                ordered.Add(frame.Alias);
            }
        }

        return ordered;
    }

    private static string Key(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? address.ToLowerInvariant() : address[..at].ToLowerInvariant() + address[at..].ToLowerInvariant();
    }

    private static string LocalPart(string address) => address[..Math.Max(0, address.LastIndexOf('@'))] is { Length: > 0 } local ? local : address;

    private static string DomainOf(string key) => key[(key.LastIndexOf('@') + 1)..];

    private static string DomainDn(string domain) => string.Join(',', domain.Split('.').Select(p => "dc=" + EscapeDn(p)));

    /// <summary>RFC 4514 section 2.4: escape the specials, a leading '#' or space and a trailing space.</summary>
    internal static string EscapeDn(string value)
    {
        var text = new StringBuilder(value.Length + 4);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' or '=' || (i == 0 && c is '#' or ' ') || (i == value.Length - 1 && c == ' '))
            {
                text.Append('\\').Append(c);
            }
            else if (c == '\0')
            {
                text.Append("\\00");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
