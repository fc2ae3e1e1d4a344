namespace Interchange.Directory.Administration;

/// <summary>Directory policy an administrator can set (<c>Interchange:Directory</c> in the configuration).</summary>
public sealed class DirectoryOptions
{
    public int MinimumPasswordLength { get; set; } = 8;

    public int MaximumPasswordLength { get; set; } = 1024;

    /// <summary>PBKDF2 iterations for new hashes; older hashes keep theirs.</summary>
    public int PasswordIterations { get; set; } = Passwords.PasswordHasher.DefaultIterations;

    /// <summary>Users and groups from an LDAP directory (<c>Directory:Ldap</c>; off unless its Url is set; docs/LDAP.md).</summary>
    public Ldap.LdapOptions Ldap { get; set; } = new();
}
