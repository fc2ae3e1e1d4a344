using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary><c>/api/v1/groups</c>: distribution lists and their members, as <c>interchange group</c>.</summary>
internal static class GroupEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/groups").WithTags("Groups");
        groups.MapGet("/", ListAsync).Produces<Page<GroupView>>().Describe("List groups and their direct members.", 400);
        groups.MapGet("/{address}", GetAsync).Produces<GroupView>().Describe("Show a group.", 400, 404);
        groups.MapPost("/", CreateAsync).Accepts<CreateGroupRequest>("application/json").Produces<GroupView>(StatusCodes.Status201Created)
            .Describe("Add a group.", 400, 404, 409, 413, 415);
        groups.MapDelete("/{address}", DeleteAsync).Produces(StatusCodes.Status204NoContent).Describe("Remove a group.", 400, 404, 409);
        groups.MapPost("/{address}/members", AddMemberAsync).Accepts<AddMemberRequest>("application/json").Produces<GroupView>(StatusCodes.Status201Created)
            .Describe("Add a member (a cycle of groups is refused with 409).", 400, 404, 409, 413, 415);
        groups.MapDelete("/{address}/members/{member}", RemoveMemberAsync).Produces(StatusCodes.Status204NoContent)
            .Describe("Remove a member.", 400, 404, 409);
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, string? domain, string? q, int? limit, string? cursor, CancellationToken ct)
    {
        var all = await directory.ListGroupsAsync(domain, ct).ConfigureAwait(false);
        return TypedResults.Ok(Paging.ByKey(http, all.Where(g => DirectoryViews.Matches(q, g.Address)), g => g.Key, limit, cursor).Map(View));
    }

    private static async Task<IResult> GetAsync(string address, DirectoryService directory, CancellationToken ct) =>
        TypedResults.Ok(await FindAsync(directory, address, ct).ConfigureAwait(false));

    private static async Task<IResult> CreateAsync(HttpContext http, DirectoryService directory, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.CreateGroupRequest).ConfigureAwait(false);
        var group = await directory.AddGroupAsync(ApiJson.Required(request.Address, "address"), ct).ConfigureAwait(false);
        return TypedResults.Created(DirectoryViews.Location("groups", group.Value), await FindAsync(directory, group.Value, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> DeleteAsync(string address, DirectoryService directory, CancellationToken ct)
    {
        await directory.RemoveGroupAsync(address, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> AddMemberAsync(string address, HttpContext http, DirectoryService directory, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.AddMemberRequest).ConfigureAwait(false);
        var member = ApiJson.Required(request.Member, "member");
        await directory.AddGroupMemberAsync(address, member, ct).ConfigureAwait(false);
        return TypedResults.Created($"{DirectoryViews.Location("groups", address)}/members/{Uri.EscapeDataString(member)}", await FindAsync(directory, address, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> RemoveMemberAsync(string address, string member, DirectoryService directory, CancellationToken ct)
    {
        await directory.RemoveGroupMemberAsync(address, member, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<GroupView> FindAsync(DirectoryService directory, string address, CancellationToken ct)
    {
        var key = DirectoryService.ParseAddress(address).Key;
        var entry = await directory.Store.FindAsync(key, ct).ConfigureAwait(false);
        if (entry is not { Kind: AddressKind.Group })
        {
            throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"group {address} does not exist");
        }

        var members = await directory.Store.GetGroupMembersAsync(key, ct).ConfigureAwait(false);
        var source = (await directory.ListGroupsAsync(key[(key.LastIndexOf('@') + 1)..], ct).ConfigureAwait(false)).FirstOrDefault(g => g.Key == key)?.Source;
        return new GroupView(entry.Address, members, source);
    }

    private static GroupView View(GroupRecord g) => new(g.Address, g.Members, g.Source);
}
