using Interchange.Storage.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Security;

/// <summary>
/// Authentication of the web side: the console's cookie (HttpOnly, SameSite=Strict, Secure over
/// HTTPS, re-checked against the directory on every request so a password change, a disable or a
/// removal ends the sign-in) and API tokens (Bearer), chosen per request by whether an
/// Authorization header is present. Policies: <see cref="WebRoles.AdminPolicy"/> and <see cref="WebRoles.UserPolicy"/>.
/// </summary>
public static class WebAuthentication
{
    public static void Add(IServiceCollection services, WebOptions options)
    {
        services.AddAuthentication(WebRoles.DefaultScheme)
            .AddPolicyScheme(WebRoles.DefaultScheme, "cookie or token", o =>
                o.ForwardDefaultSelector = http => http.Request.Headers.Authorization.Count > 0 ? WebRoles.TokenScheme : WebRoles.CookieScheme)
            .AddCookie(WebRoles.CookieScheme, o =>
            {
                o.Cookie.Name = "interchange";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = options.SessionLifetime;
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/denied";
                o.Events.OnValidatePrincipal = ValidateAsync;

                // The API answers 401/403 itself; only the console's pages redirect to the sign-in.
                o.Events.OnRedirectToLogin = c => RedirectUnlessApi(c, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => RedirectUnlessApi(c, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(WebRoles.TokenScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(WebRoles.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(WebRoles.AdminRole))
            .AddPolicy(WebRoles.UserPolicy, p => p.RequireAuthenticatedUser());
    }

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var key = context.Principal?.UserKey();
        var directory = context.HttpContext.RequestServices.GetRequiredService<IDirectoryStore>();
        var user = key is null ? null : await directory.GetUserAsync(key, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (context.Principal is null || !WebPrincipals.IsCurrent(context.Principal, user))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(WebRoles.CookieScheme).ConfigureAwait(false);
        }
    }

    private static Task RedirectUnlessApi(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
