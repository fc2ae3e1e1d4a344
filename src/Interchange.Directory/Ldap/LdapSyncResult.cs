using Interchange.Storage.Accounts;

namespace Interchange.Directory.Ldap;

/// <summary>What one sync found and did.</summary>
/// <param name="Users">Users LDAP has in local domains (or in any, with CreateDomains).</param>
/// <param name="Aliases">Their alternate addresses.</param>
/// <param name="Groups">Groups with an address.</param>
/// <param name="Skipped">Entries left out, and why.</param>
/// <param name="Failures">Changes the store refused, and why.</param>
public sealed record LdapSyncResult(int Users, int Aliases, int Groups, int Created, int Changed, int Removed, int Unchanged, IReadOnlyList<string> Skipped, IReadOnlyList<string> Failures, TimeSpan Duration, bool DryRun)
{
    public int Failed => Failures.Count;

    internal static LdapSyncResult From(LdapSyncPlan plan, IReadOnlyList<(DirectoryOperation Operation, DirectoryOperationOutcome Outcome)> outcomes, TimeSpan duration, bool dryRun)
    {
        int Count(DirectoryOperationStatus status) => outcomes.Count(o => o.Outcome.Status == status);
        var failures = outcomes
            .Where(o => o.Outcome.Status == DirectoryOperationStatus.Failed)
            .Select(o => $"{Describe(o.Operation)}: {o.Outcome.Error}")
            .ToList();
        return new LdapSyncResult(plan.Users, plan.Aliases, plan.Groups, Count(DirectoryOperationStatus.Created), Count(DirectoryOperationStatus.Changed), Count(DirectoryOperationStatus.Removed), Count(DirectoryOperationStatus.Unchanged), plan.Skipped, failures, duration, dryRun);
    }

    private static string Describe(DirectoryOperation operation) => operation switch
    {
        EnsureDomain d => $"domain {d.Name}",
        EnsureUser u => $"user {u.Address}",
        EnsureAlias a => $"alias {a.Address}",
        EnsureGroup g => $"group {g.Address}",
        RemoveEntry r => $"removing {r.Kind.ToString().ToLowerInvariant()} {r.Key}",
        _ => operation.GetType().Name,
    };
}
