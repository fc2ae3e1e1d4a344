using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.WebConsole;

/// <summary>The web console: sign-in, dashboard, directory, routes, queue, import, DKIM, self-service.</summary>
public static class ConsoleEndpoints
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
