using System.Globalization;
using System.Security.Claims;
using Interchange.Storage.Accounts;

namespace Interchange.Web.Security;

/// <summary>Who is asking, as the web side sees it: the user's key as the name, the role, and the credential version the sign-in saw.</summary>
public static class WebPrincipals
{
    public static ClaimsPrincipal Create(UserRecord user, string scheme)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Key),
            new(ClaimTypes.NameIdentifier, user.Key),
            new(WebRoles.CredentialVersionClaim, user.CredentialVersion.ToString(CultureInfo.InvariantCulture)),
        };
        if (user.Role == UserRole.Admin)
        {
            claims.Add(new Claim(ClaimTypes.Role, WebRoles.AdminRole));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The signed-in user's key (null when nobody is signed in).</summary>
    public static string? UserKey(this ClaimsPrincipal principal) =>
        principal?.Identity?.IsAuthenticated == true ? principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal?.IsInRole(WebRoles.AdminRole) == true;

    /// <summary>
    /// Is the principal still good? The user must exist, be enabled, and have the credential
    /// version the principal was made with: a password change, a disable, a removal or a role
    /// change since then ends the sign-in (as it ends IMAP, POP3 and SMTP sessions).
    /// </summary>
    public static bool IsCurrent(ClaimsPrincipal principal, UserRecord? user) =>
        user is not null
        && !user.Disabled
        && principal.FindFirstValue(WebRoles.CredentialVersionClaim) == user.CredentialVersion.ToString(CultureInfo.InvariantCulture);
}
