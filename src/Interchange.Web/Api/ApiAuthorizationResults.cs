using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Interchange.Web.Api;

/// <summary>
/// 401 and 403 under <c>/api</c> carry problem details too (the authorization middleware runs
/// before the API's own middleware, so it is told here); elsewhere (the console) the default
/// behaviour stands: a challenge redirects to the sign-in page.
/// </summary>
internal sealed class ApiAuthorizationResults : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || context.Response.HasStarted || !(authorizeResult.Challenged || authorizeResult.Forbidden))
        {
            return;
        }

        if (authorizeResult.Challenged)
        {
            // RFC 9110 11.6.1: a 401 names the scheme to use (RFC 6750 3 for Bearer).
            if (context.Response.Headers.WWWAuthenticate.Count == 0)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"interchange\"";
            }

            var failure = context.Items[Security.ApiTokenHandler.FailureItem] as string;
            await ApiProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, failure ?? "sign in first: send an API token (Authorization: Bearer ixt_…)").ConfigureAwait(false);
        }
        else
        {
            await ApiProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "only an administrator may do this").ConfigureAwait(false);
        }
    }
}
