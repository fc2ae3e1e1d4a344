using Interchange.Directory.Security;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>Sign-in (through <see cref="WebSignIn"/>: the same authenticator and throttle as IMAP), sign-out, the refusal page, and the site's root.</summary>
public static class SignInPages
{
    public static void Map(RouteGroupBuilder anonymous, RouteGroupBuilder signedIn)
    {
        anonymous.MapGet("/", (HttpContext http) =>
            Results.Redirect(http.User.UserKey() is null ? "/signin" : http.User.IsAdmin() ? "/console" : "/account"));
        anonymous.MapGet("/signin", (HttpContext http, string? returnUrl) => Form(new ConsoleView(http), null, returnUrl, null));
        anonymous.MapPost("/signin", SignInAsync);
        anonymous.MapGet("/denied", (HttpContext http) => new ConsoleView(http).Page(
            "Not allowed",
            HtmlFragment.Of($"<p>Your account may not open that page: it is for administrators. <a href=\"/account\">Your account</a></p>"),
            StatusCodes.Status403Forbidden));
        signedIn.MapPost("/signout", async (HttpContext http) =>
        {
            await WebSignIn.SignOutAsync(http).ConfigureAwait(false);
            return Results.Redirect("/signin?signedOut=1");
        });
    }

    private static async Task<IResult> SignInAsync(HttpContext http, WebSignIn signIn)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var user = form["username"].ToString().Trim();
        var password = form["password"].ToString();
        var returnUrl = form["returnUrl"].ToString();
        var view = new ConsoleView(http);
        if (user.Length == 0 || password.Length == 0)
        {
            return Form(view, user, returnUrl, "Enter your address and password.", StatusCodes.Status400BadRequest);
        }

        var outcome = await signIn.SignInAsync(http, user, password, http.RequestAborted).ConfigureAwait(false);
        return outcome switch
        {
            AuthenticationOutcome.Succeeded => Results.Redirect(ConsoleSecurity.IsLocalPath(returnUrl) ? returnUrl : "/"),
            AuthenticationOutcome.Throttled => Form(view, user, returnUrl, "Too many failed sign-ins: wait a while and try again.", StatusCodes.Status429TooManyRequests),
            AuthenticationOutcome.TemporaryFailure => Form(view, user, returnUrl, "The password cannot be checked just now (the directory it is kept in does not answer): try again in a moment.", StatusCodes.Status503ServiceUnavailable),

            // One message for a wrong password, an unknown user and a disabled account: no hint of which.
            _ => Form(view, user, returnUrl, "The address or password is not right.", StatusCodes.Status401Unauthorized),
        };
    }

    private static IResult Form(ConsoleView view, string? user, string? returnUrl, string? error, int status = StatusCodes.Status200OK)
    {
        var signedOut = view.Http.Request.Query.ContainsKey("signedOut") ? "You are signed out." : null;
        var fields = HtmlFragment.Of($"""
            <input type="hidden" name="returnUrl" value="{(ConsoleSecurity.IsLocalPath(returnUrl) ? returnUrl : string.Empty)}">
            <div class="fields">
            {ConsoleUi.Input("username", "username", "Address", "email", user, required: true, autocomplete: "username")}
            {ConsoleUi.Input("password", "password", "Password", "password", null, required: true, autocomplete: "current-password")}
            {ConsoleUi.Button("Sign in")}
            </div>
            """);
        return view.Page("Sign in", view.Form("/signin", fields), status, notice: signedOut, error: error);
    }
}
