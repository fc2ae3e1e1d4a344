namespace Interchange.Directory.Ldap;

/// <summary>
/// Users and groups from an LDAP directory (<c>Directory:Ldap</c> in the configuration; docs/LDAP.md).
/// Off unless <see cref="Url"/> is set. The defaults fit OpenLDAP with <c>inetOrgPerson</c> and
/// <c>groupOfNames</c>; for Active Directory set <see cref="AccountNameAttribute"/> to
/// <c>sAMAccountName</c> and <see cref="ProxyAddressesAttribute"/> to <c>proxyAddresses</c>
/// (<see cref="ActiveDirectory"/> does both).
/// </summary>
public sealed class LdapOptions
{
    /// <summary>The source name entries made by the sync carry (<c>UserRecord.Source</c>).</summary>
    public const string SourceName = "ldap";

    /// <summary>One or more <c>ldap://host[:port]</c> or <c>ldaps://host[:port]</c>, separated by spaces or commas, tried in order.</summary>
    public string? Url { get; set; }

    /// <summary>Upgrade <c>ldap://</c> connections with StartTLS (RFC 4511 section 4.14) before binding.</summary>
    public bool StartTls { get; set; }

    /// <summary>Folder of trusted CA certificates (hashed names, as <c>c_rehash</c> makes) for ldaps and StartTLS; default: the system's.</summary>
    public string? TrustedCertificatesDirectory { get; set; }

    /// <summary>The service account the sync and the DN look-ups bind as; empty: anonymous.</summary>
    public string? BindDn { get; set; }

    public string? BindPassword { get; set; }

    /// <summary>A file holding the service account's password (first line), instead of <see cref="BindPassword"/>.</summary>
    public string? BindPasswordFile { get; set; }

    /// <summary>Where users and groups are searched (whole subtree).</summary>
    public string BaseDn { get; set; } = "";

    public string UserFilter { get; set; } = "(objectClass=inetOrgPerson)";

    public string GroupFilter { get; set; } = "(|(objectClass=groupOfNames)(objectClass=group))";

    /// <summary>The primary address of a user or group.</summary>
    public string MailAttribute { get; set; } = "mail";

    /// <summary>More addresses of an entry, each an alias of it; empty: none.</summary>
    public string AlternateAddressAttribute { get; set; } = "mailAlternateAddress";

    /// <summary>Active Directory's <c>proxyAddresses</c> (<c>SMTP:</c> primary, <c>smtp:</c> others, other types ignored); empty: not read.</summary>
    public string ProxyAddressesAttribute { get; set; } = "";

    /// <summary>The account name (logged, shown by <c>ldap test</c>): <c>uid</c>, or <c>sAMAccountName</c> on Active Directory.</summary>
    public string AccountNameAttribute { get; set; } = "uid";

    public string MemberAttribute { get; set; } = "member";

    /// <summary>Active Directory's <c>userAccountControl</c>: bit 0x2 (ACCOUNTDISABLE) disables the user; empty: not read.</summary>
    public string UserAccountControlAttribute { get; set; } = "";

    /// <summary>Shorthand for Active Directory's attribute names (<c>sAMAccountName</c>, <c>proxyAddresses</c>, <c>userAccountControl</c>).</summary>
    public bool ActiveDirectory { get; set; }

    /// <summary>How often the sync runs.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait for one LDAP operation (connect, bind, one page of a search).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Entries asked for per page (RFC 2696 paged results; Active Directory answers at most 1,000 per search without it).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Most entries one search may return in all (users or groups), so a runaway directory cannot fill the memory.</summary>
    public int MaxEntries { get; set; } = 200_000;

    /// <summary>Create the domains of LDAP addresses that are not local; false: such entries are skipped and reported.</summary>
    public bool CreateDomains { get; set; }

    /// <summary>
    /// How long a password checked by binding to the directory is accepted again without asking
    /// it: a password changed or an account removed in LDAP stops working within this time (zero:
    /// every login binds).
    /// </summary>
    public TimeSpan PasswordCacheTime { get; set; } = TimeSpan.FromMinutes(2);

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    /// <summary>The account name attribute in effect.</summary>
    public string EffectiveAccountNameAttribute => ActiveDirectory && AccountNameAttribute == "uid" ? "sAMAccountName" : AccountNameAttribute;

    public string EffectiveProxyAddressesAttribute => ActiveDirectory && ProxyAddressesAttribute.Length == 0 ? "proxyAddresses" : ProxyAddressesAttribute;

    public string EffectiveUserAccountControlAttribute => ActiveDirectory && UserAccountControlAttribute.Length == 0 ? "userAccountControl" : UserAccountControlAttribute;

    /// <summary>The URLs, in order.</summary>
    public IReadOnlyList<LdapServerAddress> Servers()
    {
        var servers = new List<LdapServerAddress>();
        foreach (var part in (Url ?? "").Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            servers.Add(LdapServerAddress.Parse(part));
        }

        return servers;
    }

    /// <summary>The service account's password: <see cref="BindPasswordFile"/>'s first line, else <see cref="BindPassword"/>.</summary>
    public string? ReadBindPassword()
    {
        if (!string.IsNullOrEmpty(BindPasswordFile))
        {
            using var reader = new StreamReader(BindPasswordFile);
            return reader.ReadLine() ?? "";
        }

        return BindPassword;
    }

    /// <summary>Every setting that cannot work, one message each (nothing when LDAP is off).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enabled)
        {
            return problems;
        }

        try
        {
            if (Servers().Count == 0)
            {
                problems.Add("Directory:Ldap:Url names no server");
            }
        }
        catch (FormatException ex)
        {
            problems.Add($"Directory:Ldap:Url: {ex.Message}");
        }

        if (string.IsNullOrWhiteSpace(BaseDn))
        {
            problems.Add("Directory:Ldap:BaseDn must be set");
        }

        if (!LdapFilter.LooksBalanced(UserFilter))
        {
            problems.Add("Directory:Ldap:UserFilter must be one parenthesised RFC 4515 filter");
        }

        if (!LdapFilter.LooksBalanced(GroupFilter))
        {
            problems.Add("Directory:Ldap:GroupFilter must be one parenthesised RFC 4515 filter");
        }

        if (string.IsNullOrWhiteSpace(MailAttribute))
        {
            problems.Add("Directory:Ldap:MailAttribute must be set");
        }

        if (SyncInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add("Directory:Ldap:SyncInterval must be at least 1 second");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(10))
        {
            problems.Add("Directory:Ldap:Timeout must be between 0 and 10 minutes");
        }

        if (PageSize is < 1 or > 10_000)
        {
            problems.Add("Directory:Ldap:PageSize must be between 1 and 10000");
        }

        if (MaxEntries < 1)
        {
            problems.Add("Directory:Ldap:MaxEntries must be positive");
        }

        if (PasswordCacheTime < TimeSpan.Zero)
        {
            problems.Add("Directory:Ldap:PasswordCacheTime must not be negative");
        }

        if (!string.IsNullOrEmpty(BindPasswordFile) && !File.Exists(BindPasswordFile))
        {
            problems.Add($"Directory:Ldap:BindPasswordFile {BindPasswordFile} does not exist");
        }

        return problems;
    }
}
