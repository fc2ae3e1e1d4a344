namespace Interchange.Web.Api.Contracts;

// What the API shows of the directory: never a password hash (PasswordSet says whether there is one).

internal sealed record DomainView(string Name, bool Primary, int AddressCount, DateTimeOffset CreatedAt);

internal sealed record CreateDomainRequest(string? Name);

/// <summary>A user; <c>Aliases</c> and <c>Groups</c> only when one user is asked for.</summary>
internal sealed record UserView(string Address, string Key, string Role, bool Disabled, bool PasswordSet, string? Source, IReadOnlyList<string>? Aliases = null, IReadOnlyList<string>? Groups = null);

/// <summary>No password: the user must be given one before it can log in.</summary>
internal sealed record CreateUserRequest(string? Address, string? Password, string? Role, bool? Disabled);

/// <summary>Only the properties given change, each as one directory change.</summary>
internal sealed record UpdateUserRequest(string? Password, bool? Disabled, string? Role);

internal sealed record AliasView(string Address, IReadOnlyList<string> Targets, string? Source);

internal sealed record AddAliasRequest(string? Alias, string? Target);

internal sealed record AddTargetRequest(string? Target);

internal sealed record GroupView(string Address, IReadOnlyList<string> Members, string? Source);

internal sealed record CreateGroupRequest(string? Address);

internal sealed record AddMemberRequest(string? Member);

internal sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);
