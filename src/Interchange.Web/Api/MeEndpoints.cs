using System.Globalization;
using Interchange.Directory.Administration;
using Interchange.Directory.Security;
using Interchange.Web.Api.Contracts;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary>
/// <c>/api/v1/me</c>: the signed-in user's own account. Changing the password needs the current
/// one, checked by the shared <see cref="Authenticator"/> (so its throttle and failure counts apply,
/// as for IMAP); the change then ends the user's other sessions, as any password change does.
/// </summary>
internal static class MeEndpoints
{
    public static void Map(RouteGroupBuilder me)
    {
        var group = me.MapGroup("/me").WithTags("Me");
        group.MapGet("/", GetAsync).Produces<UserView>().Describe("Your own account.");
        group.MapPut("/password", ChangePasswordAsync).Accepts<ChangePasswordRequest>("application/json").Produces(StatusCodes.Status204NoContent)
            .Describe("Change your own password; the current one is required. Your mail sessions end.", 400, 413, 415, 429);
    }

    private static async Task<IResult> GetAsync(HttpContext http, DirectoryService directory, CancellationToken ct) =>
        TypedResults.Ok(await UserEndpoints.DetailAsync(directory, http.User.UserKey()!, ct).ConfigureAwait(false));

    private static async Task<IResult> ChangePasswordAsync(HttpContext http, DirectoryService directory, Authenticator authenticator, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.ChangePasswordRequest).ConfigureAwait(false);
        var current = ApiJson.Required(request.CurrentPassword, "currentPassword");
        var next = ApiJson.Required(request.NewPassword, "newPassword");
        var key = http.User.UserKey()!;
        var check = await authenticator.AuthenticateAsync(key, current, http.Connection.RemoteIpAddress, ct).ConfigureAwait(false);
        check.Session?.Dispose();
        switch (check.Outcome)
        {
            case AuthenticationOutcome.Succeeded:
                break;
            case AuthenticationOutcome.Throttled:
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(check.RetryAfter?.TotalSeconds ?? 60)).ToString(CultureInfo.InvariantCulture);
                throw new ApiException(StatusCodes.Status429TooManyRequests, "too many wrong passwords; try again later");
            default:
                throw new ApiException(StatusCodes.Status403Forbidden, "the current password is wrong");
        }

        await directory.SetPasswordAsync(key, next, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
