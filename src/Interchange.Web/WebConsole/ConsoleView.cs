using System.Text;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.WebConsole;

/// <summary>
/// One request's view of the console: the page frame (landmarks, navigation, sign-out), the
/// antiforgery field for its forms, and the response. Every page is a whole document built on
/// the server; the one script only enhances it.
/// </summary>
public sealed class ConsoleView(HttpContext http)
{
    private static readonly (string Path, string Label)[] s_adminLinks =
    [
        ("/console", "Dashboard"),
        ("/console/users", "Users"),
        ("/console/groups", "Groups"),
        ("/console/aliases", "Aliases"),
        ("/console/domains", "Domains"),
        ("/console/routes", "Routes"),
        ("/console/queue", "Queue"),
        ("/console/import", "Import"),
        ("/console/dkim", "DKIM"),
    ];

    private string? _token;

    public HttpContext Http { get; } = http;

    /// <summary>The hidden field every form of the page carries (ASP.NET Core antiforgery: a token bound to the cookie and the user).</summary>
    public HtmlFragment AntiforgeryField
    {
        get
        {
            _token ??= Http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Http).RequestToken ?? string.Empty;
            return HtmlFragment.Of($"<input type=\"hidden\" name=\"{ConsoleSecurity.AntiforgeryField}\" value=\"{_token}\">");
        }
    }

    /// <summary>A form posting to <paramref name="action"/>: the antiforgery field first, then <paramref name="content"/>.</summary>
    public HtmlFragment Form(string action, HtmlFragment content, string? cssClass = null, string? confirm = null, bool upload = false, string? id = null)
    {
        var extra = new StringBuilder();
        if (id is not null)
        {
            extra.Append(" id=\"").Append(HtmlFragment.Encode(id)).Append('"');
        }

        if (cssClass is not null)
        {
            extra.Append(" class=\"").Append(HtmlFragment.Encode(cssClass)).Append('"');
        }

        if (confirm is not null)
        {
            // console.js asks before sending; without the script the form just posts.
            extra.Append(" data-confirm=\"").Append(HtmlFragment.Encode(confirm)).Append('"');
        }

        if (upload)
        {
            extra.Append(" enctype=\"multipart/form-data\"");
        }

        return HtmlFragment.Of($"<form method=\"post\" action=\"{action}\"{Raw(extra.ToString())}>{AntiforgeryField}{content}</form>");
    }

    /// <summary>The whole page: a document with the console's frame around <paramref name="body"/>.</summary>
    public IResult Page(string title, HtmlFragment body, int status = StatusCodes.Status200OK, string? notice = null, string? error = null)
    {
        var user = Http.User.UserKey();
        var admin = Http.User.IsAdmin();
        var path = Http.Request.Path.Value ?? "/";
        var links = new List<HtmlFragment>();
        if (user is not null)
        {
            foreach (var (href, label) in admin ? s_adminLinks : [])
            {
                var current = href == "/console" ? path == "/console" : path.StartsWith(href, StringComparison.Ordinal);
                links.Add(HtmlFragment.Of($"<li><a href=\"{href}\"{Raw(current ? " aria-current=\"page\"" : string.Empty)}>{label}</a></li>"));
            }

            var mine = path.StartsWith("/account", StringComparison.Ordinal);
            links.Add(HtmlFragment.Of($"<li><a href=\"/account\"{Raw(mine ? " aria-current=\"page\"" : string.Empty)}>My account</a></li>"));
        }

        var navigation = user is null
            ? HtmlFragment.Empty
            : HtmlFragment.Of($"""
                <nav aria-label="Main"><ul>{links}</ul></nav>
                <div class="who"><span>{user}</span>{Form("/signout", HtmlFragment.Of($"<button type=\"submit\" class=\"link\">Sign out</button>"))}</div>
                """);
        var messages = HtmlFragment.Join(
        [
            notice is null ? HtmlFragment.Empty : HtmlFragment.Of($"<p class=\"notice\" role=\"status\">{notice}</p>"),
            error is null ? HtmlFragment.Empty : HtmlFragment.Of($"<p class=\"error\" role=\"alert\">{error}</p>"),
        ]);
        var document = HtmlFragment.Of($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Interchange</title>
            <link rel="stylesheet" href="{ConsoleStatic.CssPath}">
            <script src="{ConsoleStatic.ScriptPath}" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="top"><a class="brand" href="/">Interchange</a>{navigation}</header>
            <main id="main" tabindex="-1">
            <h1>{title}</h1>
            {messages}
            {body}
            </main>
            </body>
            </html>
            """);
        return Results.Text(document.Markup, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>Markup written in this assembly (never a value from outside): attribute lists chosen by code.</summary>
    internal static HtmlFragment Raw(string markup) => HtmlFragment.Trusted(markup);
}
