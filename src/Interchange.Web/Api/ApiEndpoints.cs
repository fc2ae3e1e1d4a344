using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Api;

/// <summary>The admin API under /api/v1 (JSON, RFC 9457 problem details, pagination, OpenAPI).</summary>
public static class ApiEndpoints
{
    /// <summary>Services this area needs (called once at startup).</summary>
    public static void AddServices(IServiceCollection services, WebOptions options)
    {
        _ = services;
        _ = options;
    }

    /// <summary>Maps this area's endpoints.</summary>
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        _ = endpoints;
    }
}
