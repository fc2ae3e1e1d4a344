using System.Globalization;
using Interchange.Core.Addressing;

namespace Interchange.Directory.Ldap;

/// <summary>
/// Turns search results into users and groups, with the configured attribute names. Pure: no
/// I/O, so the rules (Active Directory's <c>proxyAddresses</c>, the disabled bit) are unit-tested.
/// </summary>
public sealed class LdapEntryMapper(LdapOptions options)
{
    /// <summary>userAccountControl's ACCOUNTDISABLE flag ([MS-ADTS] 2.2.16).</summary>
    public const int AccountDisabledFlag = 0x2;

    /// <summary>The attributes a user search asks for.</summary>
    public IReadOnlyList<string> UserAttributes => Distinct(options.MailAttribute, options.AlternateAddressAttribute, options.EffectiveProxyAddressesAttribute, options.EffectiveAccountNameAttribute, options.EffectiveUserAccountControlAttribute);

    /// <summary>The attributes a group search asks for.</summary>
    public IReadOnlyList<string> GroupAttributes => Distinct(options.MailAttribute, options.EffectiveProxyAddressesAttribute, options.MemberAttribute);

    public LdapSnapshot Map(IReadOnlyList<LdapEntry> userEntries, IReadOnlyList<LdapEntry> groupEntries)
    {
        var skipped = new List<string>();
        var users = new List<LdapUser>();
        foreach (var entry in userEntries)
        {
            if (MapUser(entry, out var problem) is { } user)
            {
                users.Add(user);
            }
            else
            {
                skipped.Add(problem!);
            }
        }

        var groups = new List<LdapGroup>();
        foreach (var entry in groupEntries)
        {
            if (MapGroup(entry, out var problem) is { } group)
            {
                groups.Add(group);
            }
            else
            {
                skipped.Add(problem!);
            }
        }

        return new LdapSnapshot(users, groups, skipped);
    }

    public LdapUser? MapUser(LdapEntry entry, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var normalizedDn = LdapDistinguishedName.Normalize(entry.Dn);
        if (normalizedDn is null)
        {
            problem = $"{entry.Dn}: not a valid DN";
            return null;
        }

        if (Addresses(entry, alternates: true, out problem) is not { } addresses)
        {
            return null;
        }

        var disabled = false;
        var control = options.EffectiveUserAccountControlAttribute;
        if (control.Length > 0 && entry.First(control) is { } flags)
        {
            // An integer in decimal; AD writes it signed 32-bit.
            if (!long.TryParse(flags, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                problem = $"{entry.Dn}: {control} '{flags}' is not a number";
                return null;
            }

            disabled = (value & AccountDisabledFlag) != 0;
        }

        problem = null;
        return new LdapUser(entry.Dn, normalizedDn, addresses.Primary, entry.First(options.EffectiveAccountNameAttribute), disabled, addresses.Others);
    }

    public LdapGroup? MapGroup(LdapEntry entry, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var normalizedDn = LdapDistinguishedName.Normalize(entry.Dn);
        if (normalizedDn is null)
        {
            problem = $"{entry.Dn}: not a valid DN";
            return null;
        }

        if (Addresses(entry, alternates: false, out problem) is not { } addresses)
        {
            return null;
        }

        var members = new List<string>();
        foreach (var member in entry.Values(options.MemberAttribute))
        {
            if (LdapDistinguishedName.Normalize(member) is { } normalized)
            {
                members.Add(normalized);
            }
        }

        problem = null;
        return new LdapGroup(entry.Dn, normalizedDn, addresses.Primary, members);
    }

    /// <summary>
    /// An entry's primary address and the others. With <c>proxyAddresses</c>, the <c>SMTP:</c>
    /// value (upper case) is the primary and <c>smtp:</c> values are secondary (Exchange's
    /// convention; other address types such as <c>X500:</c> or <c>sip:</c> are not mail); without
    /// one, the mail attribute is the primary.
    /// </summary>
    private (EmailAddress Primary, IReadOnlyList<EmailAddress> Others)? Addresses(LdapEntry entry, bool alternates, out string? problem)
    {
        var candidates = new List<string>();
        string? primaryText = null;
        var proxy = options.EffectiveProxyAddressesAttribute;
        if (proxy.Length > 0)
        {
            foreach (var value in entry.Values(proxy))
            {
                if (value.StartsWith("SMTP:", StringComparison.Ordinal))
                {
                    primaryText ??= value[5..];
                    candidates.Add(value[5..]);
                }
                else if (value.StartsWith("smtp:", StringComparison.OrdinalIgnoreCase))
                {
                    candidates.Add(value[5..]);
                }
            }
        }

        var mail = entry.First(options.MailAttribute);
        primaryText ??= mail;
        if (mail is not null)
        {
            candidates.Add(mail);
        }

        if (alternates)
        {
            candidates.AddRange(entry.Values(options.AlternateAddressAttribute));
        }

        if (primaryText is null)
        {
            problem = $"{entry.Dn}: no {options.MailAttribute}{(proxy.Length > 0 ? $" or SMTP: {proxy}" : "")}";
            return null;
        }

        if (!EmailAddress.TryParse(primaryText, out var primary, out var error))
        {
            problem = $"{entry.Dn}: {error}";
            return null;
        }

        var others = new List<EmailAddress>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { primary.Key };
        foreach (var candidate in candidates)
        {
            // A bad secondary address is left out; the entry still syncs with the rest.
            if (EmailAddress.TryParse(candidate, out var address, out _) && seen.Add(address.Key))
            {
                others.Add(address);
            }
        }

        problem = null;
        return (primary, others);
    }

    private static string[] Distinct(params string[] names) =>
        [.. names.Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.OrdinalIgnoreCase)];
}
