using Interchange.Directory.Administration;
using Interchange.Directory.Security;
using Interchange.Storage.Accounts;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>
/// A user's own page: who they are, and a password change that needs the current password
/// (checked by the shared authenticator, so its throttle applies). The change bumps the
/// credential version, which ends every other session of the user; this browser is signed in
/// again with the new password.
/// </summary>
public static class AccountPages
{
    public static void Map(RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/account", (HttpContext http, IDirectoryStore directory) => ShowAsync(http, directory, null, StatusCodes.Status200OK));
        signedIn.MapPost("/account/password", ChangeAsync);
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IDirectoryStore directory, string? error, int status)
    {
        var view = new ConsoleView(http);
        var user = await directory.GetUserAsync(http.User.UserKey()!, http.RequestAborted).ConfigureAwait(false);
        var fields = HtmlFragment.Of($"""
            <input type="text" name="username" value="{user?.Address}" autocomplete="username" hidden>
            <div class="fields">
            {ConsoleUi.Input("current", "current", "Current password", "password", required: true, autocomplete: "current-password")}
            {ConsoleUi.Input("new", "new", "New password", "password", required: true, autocomplete: "new-password")}
            {ConsoleUi.Input("repeat", "repeat", "New password again", "password", required: true, autocomplete: "new-password")}
            {ConsoleUi.Button("Change password")}
            </div>
            """);
        var body = HtmlFragment.Of($"""
            <p>Signed in as <strong>{user?.Address}</strong> ({(user?.Role == UserRole.Admin ? "administrator" : "user")}).</p>
            <h2>Change your password</h2>
            {view.Form("/account/password", fields)}
            <p class="muted">Changing it ends your mail sessions elsewhere (IMAP, POP3, SMTP): sign in there again with the new one.</p>
            """);
        return view.Page("My account", body, status, ConsoleErrors.Notice(http), error);
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, IDirectoryStore directory, DirectoryService service, Authenticator authenticator)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var current = form["current"].ToString();
        var next = form["new"].ToString();
        if (next != form["repeat"].ToString())
        {
            return await ShowAsync(http, directory, "The new password and its repetition differ.", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }

        var user = await directory.GetUserAsync(http.User.UserKey()!, http.RequestAborted).ConfigureAwait(false);
        if (user is null)
        {
            return Results.Redirect("/signin");
        }

        var check = await authenticator.AuthenticateAsync(user.Address, current, http.Connection.RemoteIpAddress, http.RequestAborted).ConfigureAwait(false);
        check.Session?.Dispose();
        if (check.Outcome != AuthenticationOutcome.Succeeded)
        {
            return await ShowAsync(
                http,
                directory,
                check.Outcome == AuthenticationOutcome.Throttled ? "Too many failed attempts: wait a while and try again." : "The current password is not right.",
                check.Outcome == AuthenticationOutcome.Throttled ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }

        try
        {
            await service.SetPasswordAsync(user.Address, next, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ShowAsync(http, directory, message, status).ConfigureAwait(false);
        }

        // The change ended this sign-in too (a new credential version). The current password was
        // just proven, so this browser gets a cookie for the new version at once (the cached
        // security context may not have seen the change yet, so no second password check).
        var changed = await directory.GetUserAsync(user.Key, http.RequestAborted).ConfigureAwait(false);
        if (changed is null || changed.Disabled)
        {
            return Results.Redirect("/signin");
        }

        await http.SignInAsync(WebRoles.CookieScheme, WebPrincipals.Create(changed, WebRoles.CookieScheme)).ConfigureAwait(false);
        return Results.Redirect("/account?done=password");
    }
}
