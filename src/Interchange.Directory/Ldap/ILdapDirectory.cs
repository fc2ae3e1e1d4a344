namespace Interchange.Directory.Ldap;

/// <summary>
/// What Interchange asks of an LDAP directory. Every call is bounded by the configured timeout and
/// throws <see cref="LdapUnavailableException"/> when the directory cannot answer.
/// <see cref="LdapConnectionDirectory"/> talks to a real server; tests use a fake.
/// </summary>
public interface ILdapDirectory
{
    /// <summary>Searches the base DN's subtree as the service account, page by page, for at most <c>MaxEntries</c> entries.</summary>
    Task<IReadOnlyList<LdapEntry>> SearchAsync(string filter, IReadOnlyList<string> attributes, CancellationToken cancellationToken);

    /// <summary>Binds (simple bind, RFC 4513 section 5.1.3) as <paramref name="dn"/>: is the password right?</summary>
    Task<LdapBindResult> BindAsync(string dn, string password, CancellationToken cancellationToken);
}
