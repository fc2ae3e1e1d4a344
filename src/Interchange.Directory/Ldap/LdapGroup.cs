using Interchange.Core.Addressing;

namespace Interchange.Directory.Ldap;

/// <summary>A group with an address: its members by (normalised) DN, resolved to addresses by the sync.</summary>
public sealed record LdapGroup(string Dn, string NormalizedDn, EmailAddress Address, IReadOnlyList<string> MemberDns);
