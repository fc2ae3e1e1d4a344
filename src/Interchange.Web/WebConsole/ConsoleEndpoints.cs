using Interchange.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The web console: sign-in, dashboard, directory, routes, queue, import, DKIM, self-service.
/// Server-rendered HTML (docs/CONSOLE.md says why): every page a minimal-API endpoint that
/// returns a document built from <see cref="HtmlFragment"/>s, every change a form post checked
/// by <see cref="ConsoleSecurity"/>. Pages: <c>/signin</c>, <c>/account</c> (any user),
/// <c>/console/...</c> (administrators).
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>Services this area needs (called once at startup).</summary>
    public static void AddServices(IServiceCollection services, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = ConsoleSecurity.AntiforgeryField;
            o.HeaderName = null;
            o.Cookie.Name = "interchange.af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.AddSingleton(_ => new DashboardStatistics());
        services.AddHostedService<DashboardStartup>();

        // The coordinator replaces this with an adapter over Interchange.Directory.Import.DirectoryImporter.
        services.TryAddSingleton<IConsoleImport, DirectoryConsoleImport>();
        services.AddSingleton<ConsoleImportJobs>();
    }

    /// <summary>Maps this area's endpoints.</summary>
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        ConsoleStatic.Map(endpoints);
        var anonymous = Secure(endpoints.MapGroup(string.Empty));
        var signedIn = Secure(endpoints.MapGroup(string.Empty)).RequireAuthorization(WebRoles.UserPolicy);
        var admin = Secure(endpoints.MapGroup("/console")).RequireAuthorization(WebRoles.AdminPolicy);
        SignInPages.Map(anonymous, signedIn);
        AccountPages.Map(signedIn);
        DashboardPage.Map(admin);
        UserPages.Map(admin);
        GroupPages.Map(admin);
        AliasPages.Map(admin);
        DomainPages.Map(admin);
        RoutePages.Map(admin);
        QueuePages.Map(admin);
        ImportPages.Map(admin);
        DkimPage.Map(admin);
    }

    private static RouteGroupBuilder Secure(RouteGroupBuilder group)
    {
        group.AddEndpointFilter(ConsoleSecurity.Headers);
        group.AddEndpointFilter(ConsoleSecurity.Antiforgery);
        return group;
    }

    /// <summary>Starts listening to the instruments with the server, so the dashboard counts from the start, not from its first view.</summary>
    private sealed class DashboardStartup(DashboardStatistics statistics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = statistics;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
