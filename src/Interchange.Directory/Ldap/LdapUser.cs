using Interchange.Core.Addressing;

namespace Interchange.Directory.Ldap;

/// <summary>A user as the directory describes it: its primary address, its other addresses (aliases of it) and whether it is disabled.</summary>
public sealed record LdapUser(string Dn, string NormalizedDn, EmailAddress Address, string? AccountName, bool Disabled, IReadOnlyList<EmailAddress> Aliases);
