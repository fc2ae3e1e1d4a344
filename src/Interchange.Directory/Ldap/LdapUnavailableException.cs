namespace Interchange.Directory.Ldap;

/// <summary>
/// The directory could not answer (down, timed out, refused the service account, an operation
/// failed): a temporary condition, never a verdict on a user's password.
/// </summary>
public sealed class LdapUnavailableException : Exception
{
    public LdapUnavailableException()
    {
    }

    public LdapUnavailableException(string message)
        : base(message)
    {
    }

    public LdapUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
