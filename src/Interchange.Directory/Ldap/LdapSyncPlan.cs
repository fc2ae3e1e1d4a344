using Interchange.Storage.Accounts;

namespace Interchange.Directory.Ldap;

/// <summary>
/// The changes that make Interchange's directory match LDAP (only what differs: a sync of an
/// unchanged directory plans nothing), and what was left out and why.
/// </summary>
public sealed record LdapSyncPlan(IReadOnlyList<DirectoryOperation> Operations, IReadOnlyList<string> Skipped, int Users, int Aliases, int Groups)
{
    public int Count<T>()
        where T : DirectoryOperation => Operations.OfType<T>().Count();
}
