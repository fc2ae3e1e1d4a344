using System.Net;
using Interchange.Directory.Security;
using Interchange.Storage.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Interchange.Web.Security;

/// <summary>
/// Signs a user in to the console with a user name and password: the same <see cref="Authenticator"/>
/// (and so the same login throttle, failure counts and log lines) as IMAP, POP3 and SMTP.
/// </summary>
public sealed class WebSignIn(Authenticator authenticator, IDirectoryStore directory)
{
    public async Task<AuthenticationOutcome> SignInAsync(HttpContext http, string userName, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await authenticator.AuthenticateAsync(userName, password, http.Connection.RemoteIpAddress ?? IPAddress.None, cancellationToken).ConfigureAwait(false);
        if (result.Outcome != AuthenticationOutcome.Succeeded || result.Session is null)
        {
            return result.Outcome;
        }

        using var session = result.Session;
        var user = await directory.GetUserAsync(session.Context.UserKey, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return AuthenticationOutcome.InvalidCredentials; // removed since the check
        }

        await http.SignInAsync(WebRoles.CookieScheme, WebPrincipals.Create(user, WebRoles.CookieScheme)).ConfigureAwait(false);
        return AuthenticationOutcome.Succeeded;
    }

    public static Task SignOutAsync(HttpContext http) => http.SignOutAsync(WebRoles.CookieScheme);
}
