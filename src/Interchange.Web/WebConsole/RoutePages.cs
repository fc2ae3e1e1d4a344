using System.Globalization;
using Interchange.Storage.Routing;
using Interchange.Transport.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The routing table, as <c>interchange route</c> manages it: stored routes (added and removed
/// here, each one transaction in <see cref="IRouteStore"/>, validated by <see cref="RouteEntry.Create"/>)
/// and the configured ones the running server uses (shown, changed in the configuration file).
/// </summary>
public static class RoutePages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/routes", (HttpContext http, IRouteStore routes, RoutingTable table) => ListAsync(http, routes, table, null, StatusCodes.Status200OK));
        admin.MapPost("/routes", AddAsync);
        admin.MapPost("/routes/delete", RemoveAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext http, IRouteStore routes, RoutingTable table, string? error, int status)
    {
        var view = new ConsoleView(http);
        var stored = await routes.ListAsync(http.RequestAborted).ConfigureAwait(false);
        var entries = new List<(RouteEntry Entry, bool Stored)>();
        foreach (var record in stored.Routes)
        {
            try
            {
                entries.Add((RouteEntry.FromRecord(record), true));
            }
            catch (FormatException)
            {
                // A row a newer version wrote: the running table skips it too.
            }
        }

        entries.AddRange(table.Current.Routes.Where(r => r.Source == RouteSource.Configuration).Select(r => (r, false)));
        var rows = entries
            .OrderBy(e => e.Entry.AddressSpace.Value, StringComparer.Ordinal)
            .ThenBy(e => e.Entry.Cost)
            .Select(e => (IReadOnlyList<HtmlFragment>)
            [
                HtmlFragment.Text(e.Entry.AddressSpace.Value),
                HtmlFragment.Text(e.Entry.Connector),
                HtmlFragment.Text(e.Entry.Cost.ToString(CultureInfo.InvariantCulture)),
                HtmlFragment.Text(e.Entry.Describe()),
                HtmlFragment.Text(e.Stored ? "console / CLI" : "configuration"),
                e.Stored
                    ? view.Form("/console/routes/delete", HtmlFragment.Of($"<input type=\"hidden\" name=\"space\" value=\"{e.Entry.AddressSpace.Value}\"><input type=\"hidden\" name=\"connector\" value=\"{e.Entry.Connector}\">{ConsoleUi.Button("Remove", "danger")}"), confirm: $"Remove the route for {e.Entry.AddressSpace.Value}?")
                    : HtmlFragment.Text("edit the configuration"),
            ]);
        var add = view.Form("/console/routes", HtmlFragment.Of($"""
            <div class="fields">
            {ConsoleUi.Input("route-space", "space", "Address space", required: true, autocomplete: "off", hint: "example.com, *.example.com or *")}
            {ConsoleUi.Input("route-connector", "connector", "Connector", value: RoutingTable.SmtpConnector, required: true)}
            {ConsoleUi.Input("route-cost", "cost", "Cost", "number", "1")}
            {ConsoleUi.Input("route-smarthost", "smarthost", "Smart host", autocomplete: "off", hint: "smtp only: host:port or [ip]:port; empty: by MX")}
            {ConsoleUi.Select("route-tls", "tls", "TLS", [("", "opportunistic"), ("required", "required")], null)}
            {ConsoleUi.Button("Add route")}
            </div>
            """));
        var body = HtmlFragment.Of($"""
            <h2>New route</h2>
            {add}
            <h2>Routes</h2>
            {ConsoleUi.Table("Routes", ["Address space", "Connector", "Cost", "Via", "Source", "Actions"], rows, "No routes: mail for other domains goes by MX.")}
            <p class="muted">Everything else: smtp by MX, TLS opportunistic; local domains: local. The server reads stored changes within its route poll interval.</p>
            """);
        return view.Page("Routes", body, status, ConsoleErrors.Notice(http), error);
    }

    private static async Task<IResult> AddAsync(HttpContext http, IRouteStore routes, RoutingTable table)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        string? Optional(string name) => form[name].ToString().Trim() is { Length: > 0 } value ? value : null;
        try
        {
            var cost = int.TryParse(Optional("cost") ?? "1", NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw new FormatException("the cost is a whole number, 0 or more");
            var route = RouteEntry.Create(form["space"].ToString(), form["connector"].ToString(), cost, Optional("smarthost"), Optional("tls"), Optional("gateway"), RouteSource.Store);
            await routes.AddAsync(route.ToRecord(), http.RequestAborted).ConfigureAwait(false);
            return Results.Redirect("/console/routes?done=added");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ListAsync(http, routes, table, message, status).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> RemoveAsync(HttpContext http, IRouteStore routes, RoutingTable table)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            var space = AddressSpace.Parse(form["space"].ToString());
            var connector = form["connector"].ToString().Trim().ToLowerInvariant();
            await routes.RemoveAsync(space.Value, connector.Length == 0 ? null : connector, http.RequestAborted).ConfigureAwait(false);
            return Results.Redirect("/console/routes?done=removed");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ListAsync(http, routes, table, message, status).ConfigureAwait(false);
        }
    }
}
