using System.Runtime.CompilerServices;
using System.Text;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Import;

/// <summary>
/// The directory in an LDIF export (OpenLDAP's shapes, docs/IMPORT.md):
/// <list type="bullet">
/// <item><c>dcObject</c>/<c>domain</c> entries: a domain named by the DN's <c>dc</c> parts;</item>
/// <item>people (<c>inetOrgPerson</c>, <c>person</c>, <c>posixAccount</c>, AD <c>user</c>) with a
/// <c>mail</c>: a user; its other <c>mail</c> values, <c>mailAlternateAddress</c> and AD
/// <c>proxyAddresses</c> (<c>smtp:</c>) become aliases of it; <c>userPassword</c> its hash;</item>
/// <item><c>nisMailAlias</c> (RFC 2307): an alias, <c>cn</c> its address, <c>rfc822MailMember</c> its targets;</item>
/// <item><c>groupOfNames</c>/<c>groupOfUniqueNames</c>/AD <c>group</c> with a <c>mail</c>: a group whose
/// <c>member</c> DNs are resolved to those entries' mail.</item>
/// </list>
/// Groups and <c>nisMailAlias</c> entries come after everything else (their members may be
/// anywhere in the file), groups first empty and then with members, so nesting in any order
/// works. The order is fixed by the file, so a resumed run counts the same entries.
/// </summary>
public sealed class LdifDirectoryReader(TextReader reader, int maxLineLength = 1 << 20) : IImportReader
{
    private static readonly HashSet<string> s_wanted = new(StringComparer.Ordinal)
    {
        "objectclass", "mail", "uid", "cn", "userpassword", "mailalternateaddress", "proxyaddresses",
        "member", "uniquemember", "rfc822mailmember", "interchangedisabled", "interchangerole",
    };

    public async IAsyncEnumerable<ImportEntry> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var mailByDn = new Dictionary<string, string>(StringComparer.Ordinal);
        var deferredGroups = new List<LdifRecord>();
        var deferredAliases = new List<LdifRecord>();
        await foreach (var record in new LdifRecordReader(reader, s_wanted, maxLineLength).ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (record.Error is not null)
            {
                yield return ImportEntry.Failed(record.Line, record.Error);
                continue;
            }

            var classes = record.Values("objectclass").Select(c => c.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
            if (classes.Overlaps(["groupofnames", "groupofuniquenames", "group"]))
            {
                if (record.First("mail") is { } groupMail)
                {
                    mailByDn[NormalizeDn(record.Dn)] = groupMail.Trim();
                }

                deferredGroups.Add(record);
            }
            else if (classes.Contains("nismailalias"))
            {
                if (AliasName(record) is { } aliasName)
                {
                    mailByDn[NormalizeDn(record.Dn)] = aliasName;
                }

                deferredAliases.Add(record);
            }
            else if (classes.Overlaps(["inetorgperson", "person", "organizationalperson", "posixaccount", "user"]))
            {
                foreach (var entry in Person(record, mailByDn))
                {
                    yield return entry;
                }
            }
            else if (classes.Overlaps(["dcobject", "domain"]))
            {
                var domain = DomainOf(record.Dn);
                yield return domain.Length == 0
                    ? ImportEntry.Failed(record.Line, $"the domain entry {record.Dn} has no dc= parts")
                    : new ImportEntry(record.Line, ImportEntryKind.Domain, domain);
            }

            // Anything else (organizational units, the root) says nothing about mail.
        }

        foreach (var group in deferredGroups)
        {
            if (group.First("mail") is { } mail)
            {
                yield return new ImportEntry(group.Line, ImportEntryKind.Group, mail.Trim(), Targets: []);
            }
        }

        foreach (var alias in deferredAliases)
        {
            var name = AliasName(alias);
            var targets = alias.Values("rfc822mailmember").Select(t => t.Trim()).Where(t => t.Length > 0)
                .Select(t => t.Contains('@', StringComparison.Ordinal) || name is null ? t : $"{t}@{name[(name.IndexOf('@', StringComparison.Ordinal) + 1)..]}")
                .ToList();
            yield return name is null
                ? ImportEntry.Failed(alias.Line, $"the nisMailAlias {alias.Dn} has no cn")
                : new ImportEntry(alias.Line, ImportEntryKind.Alias, name, Targets: targets);
        }

        foreach (var group in deferredGroups)
        {
            if (group.First("mail") is not { } mail)
            {
                yield return ImportEntry.Failed(group.Line, $"the group {group.Dn} has no mail attribute; it is not imported");
                continue;
            }

            var members = new List<string>();
            var warnings = new List<string>();
            foreach (var dn in group.Values("member").Concat(group.Values("uniquemember")))
            {
                // groupOfUniqueNames may add an optional UID: "dn#'0101'B" (RFC 4517 NameAndOptionalUID).
                var trimmed = dn.Trim();
                var hash = trimmed.LastIndexOf("#'", StringComparison.Ordinal);
                if (hash > 0 && trimmed.EndsWith("'B", StringComparison.Ordinal))
                {
                    trimmed = trimmed[..hash];
                }

                if (trimmed.Length == 0)
                {
                    continue; // the empty member some directories use to keep an empty groupOfNames valid
                }

                if (mailByDn.TryGetValue(NormalizeDn(trimmed), out var memberMail))
                {
                    members.Add(memberMail);
                }
                else if (MailRdn(trimmed) is { } direct)
                {
                    members.Add(direct);
                }
                else if (!NormalizeDn(trimmed).Equals(NormalizeDn(group.Dn), StringComparison.Ordinal))
                {
                    warnings.Add($"member {trimmed} is no entry with a mail address in this file; left out");
                }
            }

            yield return new ImportEntry(group.Line, ImportEntryKind.Group, mail.Trim(), Targets: members, Warnings: warnings.Count == 0 ? null : warnings);
        }
    }

    private static IEnumerable<ImportEntry> Person(LdifRecord record, Dictionary<string, string> mailByDn)
    {
        var mails = record.Values("mail").Select(m => m.Trim()).Where(m => m.Length > 0).ToList();
        if (mails.Count == 0)
        {
            yield return ImportEntry.Failed(record.Line, $"{record.Dn} has no mail attribute; it is not imported");
            yield break;
        }

        var primary = mails[0];
        mailByDn[NormalizeDn(record.Dn)] = primary;
        bool? disabled = record.First("interchangedisabled")?.Trim().ToUpperInvariant() switch
        {
            "TRUE" => true,
            "FALSE" => false,
            _ => null,
        };
        UserRole? role = record.First("interchangerole")?.Trim().ToLowerInvariant() switch
        {
            "admin" => UserRole.Admin,
            "user" => UserRole.User,
            _ => null,
        };
        yield return new ImportEntry(record.Line, ImportEntryKind.User, primary, record.First("userpassword"), disabled, role);

        var alternates = mails.Skip(1)
            .Concat(record.Values("mailalternateaddress").Select(m => m.Trim()))
            .Concat(record.Values("proxyaddresses").Select(p => p.Trim()).Where(p => p.StartsWith("smtp:", StringComparison.OrdinalIgnoreCase)).Select(p => p[5..]))
            .Where(m => m.Length > 0 && !m.Equals(primary, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var alternate in alternates)
        {
            yield return new ImportEntry(record.Line, ImportEntryKind.Alias, alternate, Targets: [primary]);
        }
    }

    /// <summary>A nisMailAlias's address: its cn, in the DN's domain when the cn is a bare name.</summary>
    private static string? AliasName(LdifRecord record)
    {
        var cn = record.First("cn")?.Trim();
        if (string.IsNullOrEmpty(cn))
        {
            return null;
        }

        var domain = DomainOf(record.Dn);
        return cn.Contains('@', StringComparison.Ordinal) || domain.Length == 0 ? cn : $"{cn}@{domain}";
    }

    /// <summary>"dc=example,dc=com" → "example.com" (the dc parts of a DN, in order).</summary>
    internal static string DomainOf(string dn) =>
        string.Join('.', SplitDn(dn).Where(r => r.Type == "dc").Select(r => r.Value.ToLowerInvariant()));

    private static string? MailRdn(string dn)
    {
        var rdns = SplitDn(dn);
        return rdns.Count > 0 && rdns[0].Type == "mail" && rdns[0].Value.Contains('@', StringComparison.Ordinal) ? rdns[0].Value : null;
    }

    /// <summary>A DN compared the way directories compare them for these attribute types: type and value case-insensitive, spaces around separators ignored.</summary>
    internal static string NormalizeDn(string dn) =>
        string.Join(',', SplitDn(dn).Select(r => $"{r.Type}={r.Value.ToLowerInvariant()}"));

    /// <summary>RFC 4514 RDNs (multi-valued RDNs kept whole), values unescaped.</summary>
    internal static List<(string Type, string Value)> SplitDn(string dn)
    {
        var result = new List<(string, string)>();
        var current = new StringBuilder();
        string? type = null;
        for (var i = 0; i < dn.Length; i++)
        {
            var c = dn[i];
            if (c == '\\' && i + 1 < dn.Length)
            {
                var next = dn[i + 1];
                if (Uri.IsHexDigit(next) && i + 2 < dn.Length && Uri.IsHexDigit(dn[i + 2]))
                {
                    current.Append((char)Convert.ToInt32(dn.Substring(i + 1, 2), 16));
                    i += 2;
                }
                else
                {
                    current.Append(next);
                    i++;
                }
            }
            else if (c == '=' && type is null)
            {
                type = current.ToString().Trim().ToLowerInvariant();
                current.Clear();
            }
            else if (c is ',' or ';')
            {
                result.Add((type ?? "", current.ToString().Trim()));
                type = null;
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (type is not null || current.Length > 0)
        {
            result.Add((type ?? "", current.ToString().Trim()));
        }

        return result;
    }
}
