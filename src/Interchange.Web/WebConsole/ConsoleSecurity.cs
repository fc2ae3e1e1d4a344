using System.Net;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The console's defences, as endpoint filters on every console route: response headers (a
/// strict Content-Security-Policy with no inline script or style, no framing, no sniffing, no
/// referrer), HTTPS unless from loopback (<see cref="WebOptions.RequireHttps"/>), and on every
/// POST a bounded body and a valid antiforgery token before the handler runs.
/// </summary>
public static class ConsoleSecurity
{
    /// <summary>The antiforgery form field's name.</summary>
    public const string AntiforgeryField = "__af";

    /// <summary>
    /// 'self' only: the stylesheet and the script are files of the console; inline script, inline
    /// style and plugins are refused; forms post only here; no page may frame the console.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    /// <summary>Adds the headers and checks the transport (every console endpoint).</summary>
    public static async ValueTask<object?> Headers(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        Apply(http.Response);
        var options = http.RequestServices.GetRequiredService<WebOptions>();
        if (!HttpsRequirement.IsMet(http, options))
        {
            return new ConsoleView(http).Page(
                "HTTPS required",
                HtmlFragment.Of($"<p>The console answers only over HTTPS, where passwords and the sign-in cookie cannot be read on the way. Use the https listener.</p>"),
                StatusCodes.Status403Forbidden);
        }

        return await next(context).ConfigureAwait(false);
    }

    /// <summary>On a POST: the body within its limit, a form, and a valid antiforgery token; otherwise the handler never runs.</summary>
    public static async ValueTask<object?> Antiforgery(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            return await next(context).ConfigureAwait(false);
        }

        var options = http.RequestServices.GetRequiredService<WebOptions>().Console;
        var limit = http.Request.Path.StartsWithSegments("/console/import", StringComparison.Ordinal)
            ? options.MaxImportBytes + (64 * 1024) // the file and the form around it
            : options.MaxFormBytes;
        if (http.Request.ContentLength > limit)
        {
            return Refuse(http, StatusCodes.Status413PayloadTooLarge, $"The form is larger than {limit / 1024} KiB.");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body)
        {
            body.MaxRequestBodySize = limit;
        }

        if (!http.Request.HasFormContentType)
        {
            return Refuse(http, StatusCodes.Status415UnsupportedMediaType, "The console takes form posts only.");
        }

        bool valid;
        try
        {
            valid = await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            return Refuse(http, ex.StatusCode, $"The form could not be read ({ex.Message}).");
        }
        catch (InvalidDataException ex)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, $"The form could not be read ({ex.Message}).");
        }

        if (!valid)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, "This form has expired or did not come from this console: reload the page and try again.");
        }

        return await next(context).ConfigureAwait(false);
    }

    /// <summary>Whether a return address is a path on this site (never another host: no open redirect).</summary>
    public static bool IsLocalPath(string? url) =>
        !string.IsNullOrEmpty(url)
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    internal static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
    }


    private static IResult Refuse(HttpContext http, int status, string message) =>
        new ConsoleView(http).Page("Request refused", HtmlFragment.Of($"<p><a href=\"{http.Request.Path.Value}\">Back</a></p>"), status, error: message);
}
