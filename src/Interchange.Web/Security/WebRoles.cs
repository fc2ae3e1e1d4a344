namespace Interchange.Web.Security;

/// <summary>Names the authentication schemes, claims and policies of the web side share.</summary>
public static class WebRoles
{
    /// <summary>The console's sign-in cookie.</summary>
    public const string CookieScheme = "Interchange.Console";

    /// <summary>API tokens: <c>Authorization: Bearer ixt_…</c> (Api/ApiTokenHandler).</summary>
    public const string TokenScheme = "Interchange.ApiToken";

    /// <summary>Picks the token scheme when an Authorization header is present, else the cookie.</summary>
    public const string DefaultScheme = "Interchange.Web";

    /// <summary>Policy: an administrator (role claim <c>admin</c>).</summary>
    public const string AdminPolicy = "admin";

    /// <summary>Policy: any signed-in user (their own page, their own password).</summary>
    public const string UserPolicy = "user";

    public const string AdminRole = "admin";

    /// <summary>Claim: the user's credential version when the principal was made; a later change (password, disable, removal, role) invalidates it.</summary>
    public const string CredentialVersionClaim = "interchange:credential-version";
}
