namespace Interchange.Directory.Ldap;

public enum LdapBindResult
{
    Succeeded,

    /// <summary>invalidCredentials (49) and the like: the directory said no.</summary>
    InvalidCredentials,
}
