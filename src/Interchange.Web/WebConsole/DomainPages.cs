using Interchange.Directory.Administration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>Local domains: search, paging, add, remove (refused while addresses exist, unless forced); each change one call on <see cref="DirectoryService"/>.</summary>
public static class DomainPages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/domains", (HttpContext http, DirectoryService directory, WebOptions options, string? q, string? page) =>
            ListAsync(http, directory, options, q, ConsoleUi.PageNumber(page), null, StatusCodes.Status200OK));
        admin.MapPost("/domains", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) => directory.AddDomainAsync(form["name"].ToString().Trim(), ct), "created"));
        admin.MapPost("/domains/delete", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) => directory.RemoveDomainAsync(form["name"].ToString(), form["force"] == "true", ct), "deleted"));
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, WebOptions options, string? query, int page, string? error, int status)
    {
        var view = new ConsoleView(http);
        var domains = await directory.ListDomainsAsync(http.RequestAborted).ConfigureAwait(false);
        var matching = string.IsNullOrWhiteSpace(query) ? domains : domains.Where(d => d.Name.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        var (shown, pager) = ConsoleUi.Page(matching.OrderBy(d => d.Name, StringComparer.Ordinal).ToList(), page, options.Console.PageSize, "/console/domains", query);
        var rows = shown.Select(d => (IReadOnlyList<HtmlFragment>)
        [
            HtmlFragment.Text(d.Name),
            HtmlFragment.Text(d.AddressCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            HtmlFragment.Text(ConsoleUi.When(d.CreatedAt)),
            view.Form("/console/domains/delete", HtmlFragment.Of($"""
                <input type="hidden" name="name" value="{d.Name}">
                <input id="force-{d.Name}" name="force" type="checkbox" value="true"><label for="force-{d.Name}">with its addresses</label>
                {ConsoleUi.Button("Delete", "danger")}
                """), confirm: $"Delete the domain {d.Name}?"),
        ]);
        var create = view.Form("/console/domains", HtmlFragment.Of($"""
            <div class="fields">{ConsoleUi.Input("new-domain", "name", "Domain", "text", required: true, autocomplete: "off")}{ConsoleUi.Button("Add domain")}</div>
            """));
        var body = HtmlFragment.Of($"""
            <h2>New local domain</h2>
            {create}
            <h2>Domains</h2>
            {ConsoleUi.Search("/console/domains", query, "Find domains")}
            {ConsoleUi.Table("Domains", ["Domain", "Addresses", "Created", "Actions"], rows, "No domains.")}
            {pager}
            """);
        return view.Page("Domains", body, status, ConsoleErrors.Notice(http), error);
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, DirectoryService directory, WebOptions options, Func<IFormCollection, CancellationToken, Task> change, string done)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            await change(form, http.RequestAborted).ConfigureAwait(false);
            return Results.Redirect($"/console/domains?done={done}");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ListAsync(http, directory, options, null, 1, $"{form["name"]}: {message}", status).ConfigureAwait(false);
        }
    }
}
