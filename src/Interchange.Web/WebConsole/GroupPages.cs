using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>Groups: search, paging, create, members (add, remove), delete; each change one call on <see cref="DirectoryService"/>.</summary>
public static class GroupPages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/groups", (HttpContext http, DirectoryService directory, WebOptions options, string? q, string? page) =>
            ListAsync(http, directory, options, q, ConsoleUi.PageNumber(page), null, StatusCodes.Status200OK));
        admin.MapPost("/groups", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) => directory.AddGroupAsync(form["address"].ToString().Trim(), ct), "created"));
        admin.MapPost("/groups/delete", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) => directory.RemoveGroupAsync(form["address"].ToString(), ct), "deleted"));
        admin.MapPost("/groups/members", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) => directory.AddGroupMemberAsync(form["address"].ToString(), form["member"].ToString().Trim(), ct), "added"));
        admin.MapPost("/groups/members/remove", (HttpContext http, DirectoryService directory, WebOptions options) =>
            ChangeAsync(http, directory, options, (form, ct) => directory.RemoveGroupMemberAsync(form["address"].ToString(), form["member"].ToString(), ct), "removed"));
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, WebOptions options, string? query, int page, string? error, int status)
    {
        var view = new ConsoleView(http);
        var groups = await directory.ListGroupsAsync(cancellationToken: http.RequestAborted).ConfigureAwait(false);
        var matching = string.IsNullOrWhiteSpace(query)
            ? groups
            : groups.Where(g => g.Address.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase) || g.Members.Any(m => m.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase))).ToList();
        var (shown, pager) = ConsoleUi.Page(matching.OrderBy(g => g.Key, StringComparer.Ordinal).ToList(), page, options.Console.PageSize, "/console/groups", query);
        var rows = shown.Select(g => (IReadOnlyList<HtmlFragment>)
        [
            HtmlFragment.Text(g.Address),
            Members(view, g),
            view.Form("/console/groups/members", HtmlFragment.Of($"""
                <input type="hidden" name="address" value="{g.Address}">
                <label class="visually-hidden" for="m-{g.Key}">Member to add to {g.Address}</label>
                <input id="m-{g.Key}" name="member" type="email" required placeholder="member address">
                {ConsoleUi.Button("Add member", "secondary")}
                """)),
            view.Form("/console/groups/delete", HtmlFragment.Of($"<input type=\"hidden\" name=\"address\" value=\"{g.Address}\">{ConsoleUi.Button("Delete", "danger")}"), confirm: $"Delete the group {g.Address}?"),
        ]);
        var create = view.Form("/console/groups", HtmlFragment.Of($"""
            <div class="fields">{ConsoleUi.Input("new-group", "address", "Group address", "email", required: true, autocomplete: "off")}{ConsoleUi.Button("Create group")}</div>
            """));
        var body = HtmlFragment.Of($"""
            <h2>New group</h2>
            {create}
            <h2>Groups</h2>
            {ConsoleUi.Search("/console/groups", query, "Find groups or members")}
            {ConsoleUi.Table("Groups", ["Group", "Members", "Add", "Actions"], rows, "No groups.")}
            {pager}
            """);
        return view.Page("Groups", body, status, ConsoleErrors.Notice(http), error);
    }

    private static HtmlFragment Members(ConsoleView view, GroupRecord group)
    {
        if (group.Members.Count == 0)
        {
            return HtmlFragment.Text("none");
        }

        var items = group.Members.Select(m => HtmlFragment.Of($"""
            <li>{m} {view.Form("/console/groups/members/remove", HtmlFragment.Of($"<input type=\"hidden\" name=\"address\" value=\"{group.Address}\"><input type=\"hidden\" name=\"member\" value=\"{m}\"><button type=\"submit\" class=\"link\" aria-label=\"Remove {m} from {group.Address}\">remove</button>"))}</li>
            """));
        return HtmlFragment.Of($"<ul>{items}</ul>");
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, DirectoryService directory, WebOptions options, Func<IFormCollection, CancellationToken, Task> change, string done)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            await change(form, http.RequestAborted).ConfigureAwait(false);
            return Results.Redirect($"/console/groups?done={done}&q={Uri.EscapeDataString(form["address"].ToString())}");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ListAsync(http, directory, options, null, 1, $"{form["address"]}: {message}", status).ConfigureAwait(false);
        }
    }
}
