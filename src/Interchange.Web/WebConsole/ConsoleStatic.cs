using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The console's two static files, embedded in the assembly (no wwwroot to deploy, no build
/// step): read once, served with a long cache lifetime under a versioned path.
/// </summary>
public static class ConsoleStatic
{
    /// <summary>The assembly's version in the path: a new build is a new URL, so caching for a year is safe.</summary>
    private static readonly string s_version = (typeof(ConsoleStatic).Assembly.GetName().Version ?? new Version(0, 0)).ToString();

    public static string CssPath { get; } = $"/console/static/{s_version}/console.css";

    public static string ScriptPath { get; } = $"/console/static/{s_version}/console.js";

    private static readonly Lazy<byte[]> s_css = new(() => Read("console.css"));
    private static readonly Lazy<byte[]> s_script = new(() => Read("console.js"));

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(CssPath, (HttpContext http) => Serve(http, s_css.Value, "text/css; charset=utf-8"));
        endpoints.MapGet(ScriptPath, (HttpContext http) => Serve(http, s_script.Value, "text/javascript; charset=utf-8"));
    }

    private static IResult Serve(HttpContext http, byte[] content, string type)
    {
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return Results.Bytes(content, type);
    }

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Interchange.Web.WebConsole.Static." + name)
            ?? throw new InvalidOperationException($"the console's {name} is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
