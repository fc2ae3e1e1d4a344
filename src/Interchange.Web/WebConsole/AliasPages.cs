using Interchange.Directory.Administration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>Aliases: search, paging, create (or add a target), remove a target, delete; each change one call on <see cref="DirectoryService"/>.</summary>
public static class AliasPages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/aliases", (HttpContext http, DirectoryService directory, WebOptions options, string? q, string? page) =>
            ListAsync(http, directory, options, q, ConsoleUi.PageNumber(page), null, StatusCodes.Status200OK));
        admin.MapPost("/aliases", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) => directory.AddAliasAsync(form["alias"].ToString().Trim(), form["target"].ToString().Trim(), ct), "added"));
        admin.MapPost("/aliases/delete", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) =>
            {
                var target = form["target"].ToString();
                return directory.RemoveAliasAsync(form["alias"].ToString(), target.Length == 0 ? null : target, ct);
            }, "removed"));
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, WebOptions options, string? query, int page, string? error, int status)
    {
        var view = new ConsoleView(http);
        var aliases = await directory.ListAliasesAsync(cancellationToken: http.RequestAborted).ConfigureAwait(false);
        var matching = string.IsNullOrWhiteSpace(query)
            ? aliases
            : aliases.Where(a => a.Address.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase) || a.Targets.Any(t => t.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase))).ToList();
        var (shown, pager) = ConsoleUi.Page(matching.OrderBy(a => a.Key, StringComparer.Ordinal).ToList(), page, options.Console.PageSize, "/console/aliases", query);
        var rows = shown.Select(a => (IReadOnlyList<HtmlFragment>)
        [
            HtmlFragment.Text(a.Address),
            HtmlFragment.Of($"<ul>{a.Targets.Select(t => HtmlFragment.Of($"<li>{t} {view.Form("/console/aliases/delete", HtmlFragment.Of($"<input type=\"hidden\" name=\"alias\" value=\"{a.Address}\"><input type=\"hidden\" name=\"target\" value=\"{t}\"><button type=\"submit\" class=\"link\" aria-label=\"Remove {t} from {a.Address}\">remove</button>"))}</li>"))}</ul>"),
            view.Form("/console/aliases/delete", HtmlFragment.Of($"<input type=\"hidden\" name=\"alias\" value=\"{a.Address}\">{ConsoleUi.Button("Delete", "danger")}"), confirm: $"Delete the alias {a.Address}?"),
        ]);
        var create = view.Form("/console/aliases", HtmlFragment.Of($"""
            <div class="fields">
            {ConsoleUi.Input("new-alias", "alias", "Alias", "text", required: true, autocomplete: "off", hint: "An address, or @domain for a catch-all")}
            {ConsoleUi.Input("new-target", "target", "Delivers to", "email", required: true, autocomplete: "off")}
            {ConsoleUi.Button("Add alias")}
            </div>
            """));
        var body = HtmlFragment.Of($"""
            <h2>New alias or target</h2>
            {create}
            <h2>Aliases</h2>
            {ConsoleUi.Search("/console/aliases", query, "Find aliases or targets")}
            {ConsoleUi.Table("Aliases", ["Alias", "Targets", "Actions"], rows, "No aliases.")}
            {pager}
            """);
        return view.Page("Aliases", body, status, ConsoleErrors.Notice(http), error);
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, DirectoryService directory, WebOptions options, Func<IFormCollection, CancellationToken, Task> change, string done)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            await change(form, http.RequestAborted).ConfigureAwait(false);
            return Results.Redirect($"/console/aliases?done={done}");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ListAsync(http, directory, options, null, 1, $"{form["alias"]}: {message}", status).ConfigureAwait(false);
        }
    }
}
