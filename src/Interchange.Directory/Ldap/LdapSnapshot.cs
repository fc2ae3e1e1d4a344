namespace Interchange.Directory.Ldap;

/// <summary>What one read of the directory found: users and groups with usable addresses, and why other entries were left out.</summary>
public sealed record LdapSnapshot(IReadOnlyList<LdapUser> Users, IReadOnlyList<LdapGroup> Groups, IReadOnlyList<string> Skipped);
