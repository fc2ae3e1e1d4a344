using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary><c>/api/v1/domains</c>: the local domains (as <c>interchange domain</c>).</summary>
internal static class DomainEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var domains = api.MapGroup("/domains").WithTags("Domains");
        domains.MapGet("/", ListAsync).Produces<Page<DomainView>>().Describe("List the local domains.", 400);
        domains.MapGet("/{name}", GetAsync).Produces<DomainView>().Describe("Show a local domain.", 400, 404);
        domains.MapPost("/", CreateAsync).Accepts<CreateDomainRequest>("application/json").Produces<DomainView>(StatusCodes.Status201Created)
            .Describe("Add a local domain.", 400, 409, 413, 415);
        domains.MapDelete("/{name}", DeleteAsync).Produces(StatusCodes.Status204NoContent)
            .Describe("Remove a local domain; refused (409) while it has addresses, unless force=true (which removes them and ends their users' sessions).", 400, 404, 409);
    }

    private static async Task<IResult> ListAsync(HttpContext http, DirectoryService directory, int? limit, string? cursor, string? q, CancellationToken ct)
    {
        var primary = await directory.Store.GetPrimaryDomainAsync(ct).ConfigureAwait(false);
        var all = await directory.ListDomainsAsync(ct).ConfigureAwait(false);
        return TypedResults.Ok(Paging.ByKey(http, all.Where(d => DirectoryViews.Matches(q, d.Name)).Select(d => View(d, primary)), d => d.Name, limit, cursor));
    }

    private static async Task<IResult> GetAsync(string name, DirectoryService directory, CancellationToken ct)
    {
        var canonical = DirectoryService.ParseDomain(name).Value;
        var found = (await directory.ListDomainsAsync(ct).ConfigureAwait(false)).FirstOrDefault(d => d.Name == canonical)
            ?? throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"domain {canonical} is not a local domain");
        return TypedResults.Ok(View(found, await directory.Store.GetPrimaryDomainAsync(ct).ConfigureAwait(false)));
    }

    private static async Task<IResult> CreateAsync(HttpContext http, DirectoryService directory, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.CreateDomainRequest).ConfigureAwait(false);
        var name = await directory.AddDomainAsync(ApiJson.Required(request.Name, "name"), ct).ConfigureAwait(false);
        var created = (await directory.ListDomainsAsync(ct).ConfigureAwait(false)).FirstOrDefault(d => d.Name == name.Value)
            ?? new DomainRecord(name.Value, DateTimeOffset.UtcNow, 0);
        return TypedResults.Created(DirectoryViews.Location("domains", name.Value), View(created, null));
    }

    private static async Task<IResult> DeleteAsync(string name, bool? force, DirectoryService directory, CancellationToken ct)
    {
        await directory.RemoveDomainAsync(name, force == true, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static DomainView View(DomainRecord d, string? primary) => new(d.Name, d.Name == primary, d.AddressCount, d.CreatedAt);
}
