using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Autoconfig;

/// <summary>Client autoconfiguration: Thunderbird autoconfig, Microsoft Autodiscover, Apple configuration profiles.</summary>
public static class AutoconfigEndpoints
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
