using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Api.Contracts;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Api;

/// <summary>
/// <c>/api/v1/tokens</c>: API tokens. Any signed-in user manages their own; an administrator
/// anyone's. The secret is in the answer to the create, once; afterwards only the id shows.
/// </summary>
internal static class TokenEndpoints
{
    public static void Map(RouteGroupBuilder me)
    {
        var tokens = me.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapGet("/", ListAsync).Produces<Page<TokenView>>()
            .Describe("List API tokens: your own, or (administrators) anyone's or ?user='s.", 400);
        tokens.MapPost("/", CreateAsync).Accepts<CreateTokenRequest>("application/json").Produces<CreatedTokenView>(StatusCodes.Status201Created)
            .Describe("Create an API token (for yourself; administrators for any user). The secret is shown in this answer only.", 400, 404, 413, 415);
        tokens.MapDelete("/{id}", RevokeAsync).Produces(StatusCodes.Status204NoContent).Describe("Revoke an API token.", 404);
    }

    private static async Task<IResult> ListAsync(HttpContext http, IApiTokenStore store, string? user, int? limit, string? cursor, CancellationToken ct)
    {
        var self = http.User.UserKey()!;
        var key = user is null ? (http.User.IsAdmin() ? null : self) : DirectoryService.ParseAddress(user).Key;
        if (key != self && !http.User.IsAdmin())
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "only an administrator may see another user's tokens");
        }

        var all = await store.ListTokensAsync(key, ct).ConfigureAwait(false);
        return TypedResults.Ok(Paging.ByPosition(http, [.. all.Select(View)], limit, cursor));
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IApiTokenStore store, CancellationToken ct)
    {
        var request = await ApiJson.ReadAsync(http, ApiJsonContext.Default.CreateTokenRequest).ConfigureAwait(false);
        var self = http.User.UserKey()!;
        var key = request.User is null ? self : DirectoryService.ParseAddress(request.User).Key;
        if (key != self && !http.User.IsAdmin())
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "only an administrator may create a token for another user");
        }

        if (request.ExpiresAt is not null && request.ExpiresInDays is not null)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "give expiresAt or expiresInDays, not both");
        }

        var now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        var expires = request.ExpiresInDays is { } days
            ? days is >= 1 and <= 3650 ? now.AddDays(days) : throw new ApiException(StatusCodes.Status400BadRequest, "expiresInDays must be between 1 and 3650")
            : request.ExpiresAt;
        var (record, token) = await ApiTokenIssuer.IssueAsync(store, key, request.Name, expires, now, ct).ConfigureAwait(false);
        return TypedResults.Created(DirectoryViews.Location("tokens", record.Id), new CreatedTokenView(record.Id, record.UserKey, record.Name, record.CreatedAt, record.ExpiresAt, token));
    }

    private static async Task<IResult> RevokeAsync(string id, HttpContext http, IApiTokenStore store, CancellationToken ct)
    {
        var found = await store.FindTokenAsync(id, ct).ConfigureAwait(false);

        // Another user's token is "not found" to a non-administrator: its existence is not theirs to learn.
        if (found is null || (found.Token.UserKey != http.User.UserKey() && !http.User.IsAdmin()))
        {
            return ApiProblems.Result(http, StatusCodes.Status404NotFound, $"no token {id}");
        }

        await store.RevokeTokenAsync(id, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static TokenView View(ApiTokenRecord t) => new(t.Id, t.UserKey, t.Name, t.CreatedAt, t.ExpiresAt, t.LastUsedAt);
}
