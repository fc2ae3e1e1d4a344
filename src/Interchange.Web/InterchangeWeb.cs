using Interchange.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web;

/// <summary>
/// Everything the <c>http</c> and <c>https</c> listeners serve, added to the host's one web
/// application: the admin API (<c>Api/</c>), the console (<c>Console/</c>), metrics and health
/// (<c>Observability/</c>) and client autoconfiguration (<c>Autoconfig/</c>). The host registers
/// the store, the directory, the queue and <see cref="ServerInfo"/>; each area adds its own services.
/// </summary>
public static class InterchangeWeb
{
    public static void AddServices(IServiceCollection services, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        WebAuthentication.Add(services, options);
        services.AddSingleton<WebSignIn>();
        Observability.ObservabilityEndpoints.AddServices(services, options);
        Api.ApiEndpoints.AddServices(services, options);
        WebConsole.ConsoleEndpoints.AddServices(services, options);
        Autoconfig.AutoconfigEndpoints.AddServices(services, options);
    }

    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        Observability.ObservabilityEndpoints.Map(app);
        Api.ApiEndpoints.Map(app);
        WebConsole.ConsoleEndpoints.Map(app);
        Autoconfig.AutoconfigEndpoints.Map(app);
    }
}
