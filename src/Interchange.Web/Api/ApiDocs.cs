using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Interchange.Web.Api;

/// <summary>
/// The OpenAPI description: each endpoint's summary and error responses (problem details), and
/// the security schemes (API token as HTTP bearer, the console's cookie), required by every
/// endpoint that needs a sign-in.
/// </summary>
internal static class ApiDocs
{
    public const string DocumentName = "v1";
    public const string BearerScheme = "apiToken";
    public const string CookieScheme = "consoleCookie";

    /// <summary>A summary and the problem responses an endpoint can give (401 and 403 always: every endpoint needs a sign-in).</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder builder, string summary, params int[] problems)
    {
        builder.WithSummary(summary);
        foreach (var status in problems.Concat([StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden]).Distinct().Order())
        {
            builder.ProducesProblem(status);
        }

        return builder;
    }

    public static void Configure(OpenApiOptions options)
    {
        // Only the API: the console's and the other areas' endpoints are not part of it.
        options.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Interchange admin API",
                Version = "v1",
                Description = "Administration of an Interchange mail server: directory, routes, queue, DKIM keys, sessions, status, API tokens. Errors are RFC 9457 problem details.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "ixt_<id>_<secret>",
                Description = "An API token (interchange token create, or POST /api/v1/tokens).",
            };
            document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = "interchange",
                Description = "The web console's sign-in: reads only (GET); changes need a token.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
    }
}
