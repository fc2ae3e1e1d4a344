using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary><c>/api/v1/aliases</c>: aliases and catch-alls (<c>@domain</c>), as <c>interchange alias</c>.</summary>
internal static class AliasEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var aliases = api.MapGroup("/aliases").WithTags("Aliases");
        aliases.MapGet("/", ListAsync).Produces<Page<AliasView>>().Describe("List aliases and their targets.", 400);
        aliases.MapGet("/{alias}", GetAsync).Produces<AliasView>().Describe("Show an alias (or @domain, a catch-all).", 400, 404);
        aliases.MapPost("/", CreateAsync).Accepts<AddAliasRequest>("application/json").Produces<AliasView>(StatusCodes.Status201Created)
            .Describe("Point an alias at a target, creating the alias if needed.", 400, 404, 409, 413, 415);
        aliases.MapPost("/{alias}/targets", AddTargetAsync).Accepts<AddTargetRequest>("application/json").Produces<AliasView>(StatusCodes.Status201Created)
            .Describe("Add a target to an alias.", 400, 404, 409, 413, 415);
        aliases.MapDelete("/{alias}", DeleteAsync).Produces(StatusCodes.Status204NoContent).Describe("Remove an alias and all its targets.", 400, 404, 409);
        aliases.MapDelete("/{alias}/targets/{target}", DeleteTargetAsync).Produces(StatusCodes.Status204NoContent)
            .Describe("Remove one target; an alias left with none goes too.", 400, 404, 409);
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, string? domain, string? q, int? limit, string? cursor, CancellationToken ct)
    {
        var all = await directory.ListAliasesAsync(domain, ct).ConfigureAwait(false);
        return TypedResults.Ok(Paging.ByKey(http, all.Where(a => DirectoryViews.Matches(q, a.Address)), a => a.Key, limit, cursor).Map(View));
    }

    private static async Task<IResult> GetAsync(string alias, DirectoryService directory, CancellationToken ct) =>
        TypedResults.Ok(await FindAsync(directory, alias, ct).ConfigureAwait(false));

    private static async Task<IResult> CreateAsync(HttpContext http, DirectoryService directory, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.AddAliasRequest).ConfigureAwait(false);
        var alias = ApiJson.Required(request.Alias, "alias");
        await directory.AddAliasAsync(alias, ApiJson.Required(request.Target, "target"), ct).ConfigureAwait(false);
        return TypedResults.Created(DirectoryViews.Location("aliases", alias), await FindAsync(directory, alias, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> AddTargetAsync(string alias, HttpContext http, DirectoryService directory, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.AddTargetRequest).ConfigureAwait(false);
        var target = ApiJson.Required(request.Target, "target");
        await directory.AddAliasAsync(alias, target, ct).ConfigureAwait(false);
        return TypedResults.Created($"{DirectoryViews.Location("aliases", alias)}/targets/{Uri.EscapeDataString(target)}", await FindAsync(directory, alias, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> DeleteAsync(string alias, DirectoryService directory, CancellationToken ct)
    {
        await directory.RemoveAliasAsync(alias, null, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> DeleteTargetAsync(string alias, string target, DirectoryService directory, CancellationToken ct)
    {
        await directory.RemoveAliasAsync(alias, target, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<AliasView> FindAsync(DirectoryService directory, string alias, CancellationToken ct)
    {
        var key = DirectoryViews.AliasKey(alias);
        var domain = key[(key.LastIndexOf('@') + 1)..];
        var found = (await directory.ListAliasesAsync(domain, ct).ConfigureAwait(false)).FirstOrDefault(a => a.Key == key)
            ?? throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"alias {alias} does not exist");
        return View(found);
    }

    private static AliasView View(AliasRecord a) => new(a.Address, a.Targets, a.Source);
}
