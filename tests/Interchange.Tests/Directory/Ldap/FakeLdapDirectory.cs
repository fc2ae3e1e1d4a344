using Interchange.Directory.Ldap;

namespace Interchange.Tests.Directory.Ldap;

/// <summary>An LDAP directory in memory: searches answered by a function of the filter, binds by a DN → password table.</summary>
internal sealed class FakeLdapDirectory : ILdapDirectory
{
    public Func<string, IReadOnlyList<LdapEntry>> Search { get; set; } = _ => [];

    public Dictionary<string, string> Passwords { get; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Down { get; set; }

    public List<string> Filters { get; } = [];

    public List<string> BoundDns { get; } = [];

    public Task<IReadOnlyList<LdapEntry>> SearchAsync(string filter, IReadOnlyList<string> attributes, CancellationToken cancellationToken)
    {
        if (Down)
        {
            throw new LdapUnavailableException("the fake directory is down");
        }

        Filters.Add(filter);
        return Task.FromResult(Search(filter));
    }

    public Task<LdapBindResult> BindAsync(string dn, string password, CancellationToken cancellationToken)
    {
        if (Down)
        {
            throw new LdapUnavailableException("the fake directory is down");
        }

        BoundDns.Add(dn);
        return Task.FromResult(Passwords.TryGetValue(dn, out var right) && right == password ? LdapBindResult.Succeeded : LdapBindResult.InvalidCredentials);
    }

    public static LdapEntry Entry(string dn, params (string Name, string[] Values)[] attributes) =>
        new(dn, attributes.Select(a => new KeyValuePair<string, IReadOnlyList<string>>(a.Name, a.Values)));
}
