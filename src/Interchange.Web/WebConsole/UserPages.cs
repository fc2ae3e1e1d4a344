using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>Users: search, paging, create, edit (password, disabled, role), delete; each change one call on <see cref="DirectoryService"/>.</summary>
public static class UserPages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/users", (HttpContext http, DirectoryService directory, WebOptions options, string? q, string? page) =>
            ListAsync(http, directory, options, q, ConsoleUi.PageNumber(page), null, StatusCodes.Status200OK));
        admin.MapPost("/users", CreateAsync);
        admin.MapGet("/users/edit", (HttpContext http, DirectoryService directory, string? address) => EditAsync(http, directory, address ?? string.Empty, null, StatusCodes.Status200OK));
        admin.MapPost("/users/edit", SaveAsync);
        admin.MapPost("/users/delete", DeleteAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, WebOptions options, string? query, int page, string? error, int status)
    {
        var view = new ConsoleView(http);
        var users = await directory.ListUsersAsync(cancellationToken: http.RequestAborted).ConfigureAwait(false);
        var matching = string.IsNullOrWhiteSpace(query)
            ? users
            : users.Where(u => u.Address.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        var (shown, pager) = ConsoleUi.Page(matching.OrderBy(u => u.Key, StringComparer.Ordinal).ToList(), page, options.Console.PageSize, "/console/users", query);
        var rows = shown.Select(u => (IReadOnlyList<HtmlFragment>)
        [
            HtmlFragment.Of($"<a href=\"/console/users/edit?address={Uri.EscapeDataString(u.Address)}\">{u.Address}</a>"),
            HtmlFragment.Text(u.Role == UserRole.Admin ? "administrator" : "user"),
            HtmlFragment.Text(u.Disabled ? "disabled" : u.PasswordHash is null ? "no password yet" : "active"),
            HtmlFragment.Text(u.Source ?? "local"),
            view.Form("/console/users/delete", HtmlFragment.Of($"<input type=\"hidden\" name=\"address\" value=\"{u.Address}\">{ConsoleUi.Button("Delete", "danger")}"), confirm: $"Delete the user {u.Address} and their mail?"),
        ]);
        var create = view.Form("/console/users", HtmlFragment.Of($"""
            <div class="fields">
            {ConsoleUi.Input("new-address", "address", "Address", "email", required: true, autocomplete: "off")}
            {ConsoleUi.Input("new-password", "password", "Password", "password", autocomplete: "new-password", hint: "Leave empty: the user gets one later")}
            {ConsoleUi.Check("new-admin", "admin", "Administrator", false)}
            {ConsoleUi.Button("Create user")}
            </div>
            """));
        var body = HtmlFragment.Of($"""
            <h2>New user</h2>
            {create}
            <h2>Users</h2>
            {ConsoleUi.Search("/console/users", query, "Find users")}
            {ConsoleUi.Table("Users", ["Address", "Role", "State", "Source", "Actions"], rows, string.IsNullOrWhiteSpace(query) ? "No users yet." : "No user matches.")}
            {pager}
            """);
        return view.Page("Users", body, status, ConsoleErrors.Notice(http), error);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, DirectoryService directory, WebOptions options)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var address = form["address"].ToString().Trim();
        var password = form["password"].ToString();
        try
        {
            var created = await directory.AddUserAsync(address, password.Length == 0 ? null : password, http.RequestAborted).ConfigureAwait(false);
            if (form["admin"] == "true")
            {
                await directory.SetRoleAsync(created.Value, UserRole.Admin, http.RequestAborted).ConfigureAwait(false);
            }

            return Results.Redirect($"/console/users?done=created&q={Uri.EscapeDataString(created.Value)}");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ListAsync(http, directory, options, null, 1, $"{address}: {message}", status).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> EditAsync(HttpContext http, DirectoryService directory, string address, string? error, int status)
    {
        var view = new ConsoleView(http);
        UserRecord? user = null;
        if (address.Length > 0)
        {
            try
            {
                user = await directory.Store.GetUserAsync(DirectoryService.ParseAddress(address).Key, http.RequestAborted).ConfigureAwait(false);
            }
            catch (DirectoryInputException)
            {
                user = null;
            }
        }

        if (user is null)
        {
            return view.Page("No such user", HtmlFragment.Of($"<p>There is no user {address}. <a href=\"/console/users\">All users</a></p>"), StatusCodes.Status404NotFound);
        }

        var aliases = await directory.Store.GetAliasesOfAsync(user.Key, http.RequestAborted).ConfigureAwait(false);
        var groups = await directory.Store.GetGroupsContainingAsync(user.Key, http.RequestAborted).ConfigureAwait(false);
        var fields = HtmlFragment.Of($"""
            <input type="hidden" name="address" value="{user.Address}">
            <div class="fields">
            {ConsoleUi.Input("edit-password", "password", "New password", "password", autocomplete: "new-password", hint: "Leave empty to keep the current one")}
            {ConsoleUi.Check("edit-disabled", "disabled", "Disabled (cannot sign in or receive mail sessions)", user.Disabled)}
            {ConsoleUi.Check("edit-admin", "admin", "Administrator", user.Role == UserRole.Admin)}
            {ConsoleUi.Button("Save")}
            </div>
            """);
        var body = HtmlFragment.Of($"""
            <p><a href="/console/users">All users</a></p>
            {view.Form("/console/users/edit", fields)}
            <h2>Addresses</h2>
            <p>Aliases pointing here: {(aliases.Count == 0 ? "none" : string.Join(", ", aliases))}</p>
            <p>Member of: {(groups.Count == 0 ? "no group" : string.Join(", ", groups))}</p>
            """);
        return view.Page($"User {user.Address}", body, status, ConsoleErrors.Notice(http), error);
    }

    private static async Task<IResult> SaveAsync(HttpContext http, DirectoryService directory)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var address = form["address"].ToString();
        var password = form["password"].ToString();
        var disabled = form["disabled"] == "true";
        var admin = form["admin"] == "true";
        try
        {
            var key = DirectoryService.ParseAddress(address).Key;
            var user = await directory.Store.GetUserAsync(key, http.RequestAborted).ConfigureAwait(false)
                ?? throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"there is no user {address}");
            if (key == http.User.UserKey() && (disabled || !admin))
            {
                // An administrator cannot lock themselves out; another administrator can.
                throw new DirectoryInputException("you cannot disable yourself or take away your own administrator role");
            }

            if (password.Length > 0)
            {
                await directory.SetPasswordAsync(user.Address, password, http.RequestAborted).ConfigureAwait(false);
            }

            if (disabled != user.Disabled)
            {
                await directory.SetDisabledAsync(user.Address, disabled, http.RequestAborted).ConfigureAwait(false);
            }

            var role = admin ? UserRole.Admin : UserRole.User;
            if (role != user.Role)
            {
                await directory.SetRoleAsync(user.Address, role, http.RequestAborted).ConfigureAwait(false);
            }

            return Results.Redirect($"/console/users/edit?address={Uri.EscapeDataString(user.Address)}&done=saved");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await EditAsync(http, directory, address, message, status).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, DirectoryService directory, WebOptions options)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var address = form["address"].ToString();
        try
        {
            if (DirectoryService.ParseAddress(address).Key == http.User.UserKey())
            {
                throw new DirectoryInputException("you cannot delete yourself");
            }

            await directory.RemoveUserAsync(address, http.RequestAborted).ConfigureAwait(false);
            return Results.Redirect("/console/users?done=deleted");
        }
        catch (Exception ex) when (ConsoleErrors.Describe(ex) is (var status, var message))
        {
            return await ListAsync(http, directory, options, null, 1, $"{address}: {message}", status).ConfigureAwait(false);
        }
    }
}
