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

public sealed record UserRecord(string Key, string Address, string? PasswordHash, bool Disabled, long CredentialVersion);

public sealed record AliasRecord(string Key, string Address, IReadOnlyList<string> Targets);

public sealed record GroupRecord(string Key, string Address, IReadOnlyList<string> Members);

/// <summary>One entry of the change log: <paramref name="Subject"/> is a user key for <see cref="DirectoryChangeScope.User"/>.</summary>
public sealed record DirectoryChange(long Sequence, DirectoryChangeScope Scope, string Subject, string What);
