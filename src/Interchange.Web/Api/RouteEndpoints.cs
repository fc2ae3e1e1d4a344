using Interchange.Storage.Routing;
using Interchange.Transport.Routing;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary>
/// <c>/api/v1/routes</c>: the routing table, changed through <see cref="IRouteStore"/> as
/// <c>interchange route add|remove</c> does (validated by <see cref="RouteEntry.Create"/>; each change
/// one transaction, announced on the change feed; the running table picks it up).
/// </summary>
internal static class RouteEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var routes = api.MapGroup("/routes").WithTags("Routes");
        routes.MapGet("/", List).Produces<Page<RouteView>>()
            .Describe("The routing table in force (stored and configured routes), most specific first, then cheapest.", 400);
        routes.MapPost("/", CreateAsync).Accepts<CreateRouteRequest>("application/json").Produces<RouteView>(StatusCodes.Status201Created)
            .Describe("Add a route: mail for the address space goes to the connector.", 400, 409, 413, 415);
        routes.MapDelete("/{addressSpace}", DeleteAsync).Produces(StatusCodes.Status204NoContent)
            .Describe("Remove the stored routes of an address space (only those to ?connector= when given).", 400, 404);
    }

    private static IResult List(HttpContext http, RoutingTable table, int? limit, string? cursor) =>
        TypedResults.Ok(Paging.ByPosition(http, [.. table.Current.Routes.Select(View)], limit, cursor));

    private static async Task<IResult> CreateAsync(HttpContext http, IRouteStore routes, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.CreateRouteRequest).ConfigureAwait(false);
        var route = RouteEntry.Create(
            ApiJson.Required(request.AddressSpace, "addressSpace"),
            ApiJson.Required(request.Connector, "connector"),
            request.Cost ?? 1,
            request.SmartHost,
            request.Tls,
            request.Gateway,
            RouteSource.Store);
        await routes.AddAsync(route.ToRecord(), ct).ConfigureAwait(false);
        return TypedResults.Created(DirectoryViews.Location("routes", route.AddressSpace.Value), View(route));
    }

    private static async Task<IResult> DeleteAsync(string addressSpace, string? connector, IRouteStore routes, CancellationToken ct)
    {
        var space = AddressSpace.Parse(addressSpace);
        await routes.RemoveAsync(space.Value, connector?.Trim().ToLowerInvariant(), ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static RouteView View(RouteEntry e) => new(
        e.AddressSpace.Value,
        e.Connector,
        e.Cost,
        e.SmartHost?.ToString(),
        e.Connector == RoutingTable.SmtpConnector ? RouteEntry.TlsName(e.Tls) : null,
        e.Gateway,
        e.Source == RouteSource.Store ? "store" : "configuration",
        e.Describe());
}
