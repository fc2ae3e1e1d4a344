namespace Interchange.Directory.Ldap;

/// <summary>A sync was asked for while another one was running.</summary>
public sealed class LdapSyncBusyException : Exception
{
    public LdapSyncBusyException()
        : base("an LDAP sync is already running")
    {
    }

    public LdapSyncBusyException(string message)
        : base(message)
    {
    }

    public LdapSyncBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
