using Interchange.Web.Api.Contracts;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Api;

/// <summary>
/// The admin API under <c>/api/v1</c> (docs/API.md): JSON, RFC 9457 problem details for every
/// error, pagination, an OpenAPI document at <c>/api/v1/openapi.json</c>. Authentication: API
/// tokens (<see cref="ApiTokenHandler"/>) or the console's cookie (reads only). Authorisation:
/// administrators manage everything; any signed-in user has <c>/me</c> and their own <c>/tokens</c>.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public const string OpenApiPath = Prefix + "/openapi.json";

    /// <summary>Services this area needs (called once at startup).</summary>
    public static void AddServices(IServiceCollection services, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options.Api);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResults>();
        services.AddOpenApi(ApiDocs.DocumentName, ApiDocs.Configure);
    }

    /// <summary>Maps this area's endpoints, and the middleware that makes every <c>/api</c> error a problem details answer.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal), api => api.Use(ApiErrors.InvokeAsync));

        app.MapOpenApi(OpenApiPath).AllowAnonymous().ExcludeFromDescription();

        var admin = app.MapGroup(Prefix).RequireAuthorization(WebRoles.AdminPolicy);
        DomainEndpoints.Map(admin);
        UserEndpoints.Map(admin);
        AliasEndpoints.Map(admin);
        GroupEndpoints.Map(admin);
        RouteEndpoints.Map(admin);
        QueueEndpoints.Map(admin);
        DkimEndpoints.Map(admin);
        SessionEndpoints.Map(admin);
        StatusEndpoints.Map(admin);

        var anyUser = app.MapGroup(Prefix).RequireAuthorization(WebRoles.UserPolicy);
        TokenEndpoints.Map(anyUser);
        MeEndpoints.Map(anyUser);

        // No fallback endpoint for the rest of /api: routing answers 404, 405 (a wrong method) or
        // 415 (a body that is not JSON) without a body, and ApiErrors makes each a problem details
        // answer. A fallback would win over routing's 405 and 415.
    }
}
