using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary>
/// <c>/api/v1/users</c> (as <c>interchange user</c>). Each change is one call of
/// <see cref="DirectoryService"/>: validated, one store transaction with its change-log entry,
/// after which the change watcher drops cached security contexts and ends the sessions of a user
/// whose password, standing or role changed.
/// </summary>
internal static class UserEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", ListAsync).Produces<Page<UserView>>()
            .Describe("List users, optionally only a domain's or those whose address contains q; paged by address.", 400);
        users.MapGet("/{address}", GetAsync).Produces<UserView>().Describe("Show a user with its aliases and groups.", 400, 404);
        users.MapPost("/", CreateAsync).Accepts<CreateUserRequest>("application/json").Produces<UserView>(StatusCodes.Status201Created)
            .Describe("Add a user; without a password it cannot log in until it is given one.", 400, 404, 409, 413, 415);
        users.MapMethods("/{address}", [HttpMethods.Patch], UpdateAsync).Accepts<UpdateUserRequest>("application/json").Produces<UserView>()
            .Describe("Change a user's password, disabled state or role; each ends the user's sessions.", 400, 404, 413, 415);
        users.MapDelete("/{address}", DeleteAsync).Produces(StatusCodes.Status204NoContent)
            .Describe("Remove a user, its group memberships, aliases naming only it, and its API tokens; its sessions end.", 400, 404);
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, string? domain, string? q, int? limit, string? cursor, CancellationToken ct)
    {
        var all = await directory.ListUsersAsync(domain, ct).ConfigureAwait(false);
        return TypedResults.Ok(Paging.ByKey(http, all.Where(u => DirectoryViews.Matches(q, u.Address)).Select(u => DirectoryViews.User(u)), u => u.Key, limit, cursor));
    }

    private static async Task<IResult> GetAsync(string address, DirectoryService directory, CancellationToken ct) =>
        TypedResults.Ok(await DetailAsync(directory, DirectoryService.ParseAddress(address).Key, ct).ConfigureAwait(false));

    private static async Task<IResult> CreateAsync(HttpContext http, DirectoryService directory, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.CreateUserRequest).ConfigureAwait(false);
        var role = request.Role is null ? UserRole.User : DirectoryViews.ParseRole(request.Role);
        var user = await directory.AddUserAsync(ApiJson.Required(request.Address, "address"), request.Password, ct).ConfigureAwait(false);
        if (role != UserRole.User)
        {
            await directory.SetRoleAsync(user.Value, role, ct).ConfigureAwait(false);
        }

        if (request.Disabled == true)
        {
            await directory.SetDisabledAsync(user.Value, true, ct).ConfigureAwait(false);
        }

        return TypedResults.Created(DirectoryViews.Location("users", user.Value), await DetailAsync(directory, user.Key, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> UpdateAsync(string address, HttpContext http, DirectoryService directory, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.UpdateUserRequest).ConfigureAwait(false);
        var parsed = DirectoryService.ParseAddress(address);
        if (request.Password is null && request.Disabled is null && request.Role is null)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "nothing to change: give password, disabled or role");
        }

        // Validate everything before the first change, so a bad role does not leave a half-done update.
        var role = request.Role is null ? (UserRole?)null : DirectoryViews.ParseRole(request.Role);
        if (request.Password is not null)
        {
            await directory.SetPasswordAsync(parsed.Value, request.Password, ct).ConfigureAwait(false);
        }

        if (request.Disabled is { } disabled)
        {
            await directory.SetDisabledAsync(parsed.Value, disabled, ct).ConfigureAwait(false);
        }

        if (role is { } r)
        {
            await directory.SetRoleAsync(parsed.Value, r, ct).ConfigureAwait(false);
        }

        return TypedResults.Ok(await DetailAsync(directory, parsed.Key, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> DeleteAsync(string address, DirectoryService directory, CancellationToken ct)
    {
        await directory.RemoveUserAsync(address, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    public static async Task<UserView> DetailAsync(DirectoryService directory, string key, CancellationToken ct)
    {
        var user = await directory.Store.GetUserAsync(key, ct).ConfigureAwait(false)
            ?? throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"user {key} does not exist");
        var aliases = await directory.Store.GetAliasesOfAsync(key, ct).ConfigureAwait(false);
        var groups = await directory.Store.GetGroupsContainingAsync(key, ct).ConfigureAwait(false);
        return DirectoryViews.User(user, aliases, groups);
    }
}
