using Interchange.Directory.Administration;
using Interchange.MailAuth.Dkim;
using Interchange.Storage;
using Interchange.Storage.Accounts;
using Interchange.Storage.Routing;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Interchange.Web.Api;

/// <summary>
/// The middleware in front of every <c>/api</c> request: refuses unsafe requests made with the
/// console's cookie (CSRF), turns the directory's, the routing table's and the API's own refusals
/// into problem details with conventional status codes, and gives every other bodiless error
/// (405, an unknown route) a problem details body too.
/// </summary>
internal static class ApiErrors
{
    public static async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!HttpsRequirement.IsMet(http, http.RequestServices.GetRequiredService<WebOptions>()))
        {
            // Tokens and passwords travel in the request: refused before anything reads them (Web:RequireHttps).
            await ApiProblems.WriteAsync(http, StatusCodes.Status403Forbidden, "the API answers only over HTTPS (the https listener), except to clients on this machine").ConfigureAwait(false);
            return;
        }

        if (IsCookieMutation(http))
        {
            // Decision (docs/API.md): the cookie may read the API, only a token may change
            // anything. A browser never sends an Authorization header by itself, so a forged
            // cross-site request cannot carry one; SameSite=Strict is then a second fence, not the only one.
            await ApiProblems.WriteAsync(http, StatusCodes.Status403Forbidden, "changes through the API need an API token (Authorization: Bearer); a console sign-in may only read").ConfigureAwait(false);
            return;
        }

        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (Exception ex) when (Status(ex) is { } status && !http.Response.HasStarted)
        {
            if (status >= 500)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Interchange.Web.Api").LogError(ex, "API request {Method} {Path} failed", http.Request.Method, http.Request.Path.Value);
            }

            await ApiProblems.WriteAsync(http, status, status >= 500 ? "the server could not complete the request; its log says why" : ex.Message).ConfigureAwait(false);
            return;
        }

        if (http.Response.StatusCode >= 400 && !http.Response.HasStarted && http.Response.ContentType is null && http.Response.ContentLength is null)
        {
            await ApiProblems.WriteAsync(http, http.Response.StatusCode, null).ConfigureAwait(false);
        }
    }

    private static bool IsCookieMutation(HttpContext http) =>
        !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method)
        && http.Request.Headers.Authorization.Count == 0
        && http.User.Identity?.IsAuthenticated == true;

    private static int? Status(Exception ex) => ex switch
    {
        ApiException api => api.Status,
        DirectoryInputException => StatusCodes.Status400BadRequest,
        FormatException => StatusCodes.Status400BadRequest,
        BadHttpRequestException bad => bad.StatusCode,
        DirectoryStoreException { Error: DirectoryStoreError.NotFound } => StatusCodes.Status404NotFound,
        DirectoryStoreException => StatusCodes.Status409Conflict,
        RouteStoreException { Error: RouteStoreError.NotFound } => StatusCodes.Status404NotFound,
        RouteStoreException => StatusCodes.Status409Conflict,
        DkimKeyStoreException => StatusCodes.Status409Conflict,
        OperationCanceledException => null,
        StoreException or IOException => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status500InternalServerError,
    };
}
