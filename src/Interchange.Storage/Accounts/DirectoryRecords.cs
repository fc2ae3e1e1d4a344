namespace Interchange.Storage.Accounts;

/// <summary>What kind of directory object an address names.</summary>
public enum AddressKind
{
    User,
    Alias,
    Group,
}

/// <summary>What a change means for cached security contexts.</summary>
public enum DirectoryChangeScope
{
    /// <summary>The subject user's credentials or standing changed (password, disabled, removed): its sessions must end.</summary>
    Credentials,

    /// <summary>The subject user's addresses changed (an alias): its context is rebuilt, sessions go on.</summary>
    User,

    /// <summary>Group or domain structure changed: every context is rebuilt, sessions go on.</summary>
    All,
}

public sealed record DomainRecord(string Name, DateTimeOffset CreatedAt, int AddressCount);

public sealed record DirectoryEntry(string Key, string Address, AddressKind Kind);

/// <summary>What a user may do beyond their own mail: an <see cref="Admin"/> manages the server (API, console).</summary>
public enum UserRole
{
    User,
    Admin,
}

/// <summary>
/// A user. <paramref name="PasswordHash"/> null: the user must be given a password before it can
/// log in (imported that way, or made by an administrator without one). <paramref name="Source"/>
/// names who owns the entry: null for one made here (CLI, API, console, import), <c>ldap</c> for
/// one the LDAP sync keeps (it changes and removes only its own).
/// </summary>
public sealed record UserRecord(string Key, string Address, string? PasswordHash, bool Disabled, long CredentialVersion, UserRole Role = UserRole.User, string? Source = null);

public sealed record AliasRecord(string Key, string Address, IReadOnlyList<string> Targets, string? Source = null);

public sealed record GroupRecord(string Key, string Address, IReadOnlyList<string> Members, string? Source = null);

/// <summary>One entry of the change log: <paramref name="Subject"/> is a user key for <see cref="DirectoryChangeScope.User"/>.</summary>
public sealed record DirectoryChange(long Sequence, DirectoryChangeScope Scope, string Subject, string What);
