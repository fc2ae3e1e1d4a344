using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Http;

namespace Interchange.Web.Api;

/// <summary>Directory records as the API shows them, and the request values it parses.</summary>
internal static class DirectoryViews
{
    public static UserView User(UserRecord user, IReadOnlyList<string>? aliases = null, IReadOnlyList<string>? groups = null) =>
        new(user.Address, user.Key, RoleName(user.Role), user.Disabled, user.PasswordHash is not null, user.Source, aliases, groups);

    public static string RoleName(UserRole role) => role == UserRole.Admin ? "admin" : "user";

    public static UserRole ParseRole(string role) => role.Trim().ToLowerInvariant() switch
    {
        "admin" => UserRole.Admin,
        "user" => UserRole.User,
        _ => throw new ApiException(StatusCodes.Status400BadRequest, $"role '{role}' is neither 'admin' nor 'user'"),
    };

    /// <summary>The key of an alias name: <c>@domain</c> for a catch-all, else the address's key.</summary>
    public static string AliasKey(string alias) =>
        alias.StartsWith('@') ? "@" + DirectoryService.ParseDomain(alias[1..]).Value : DirectoryService.ParseAddress(alias).Key;

    /// <summary>Does the address or key contain <paramref name="q"/> (case-insensitive)? A null query matches all.</summary>
    public static bool Matches(string? q, string text) => q is null || text.Contains(q, StringComparison.OrdinalIgnoreCase);

    public static string Location(string collection, string name) => $"/api/v1/{collection}/{Uri.EscapeDataString(name)}";
}
