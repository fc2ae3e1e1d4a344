using System.Security.Claims;
using System.Text.Encodings.Web;
using Interchange.Storage;
using Interchange.Storage.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Interchange.Web.Security;

/// <summary>
/// <c>Authorization: Bearer ixt_ID_SECRET</c>: an API token (stored hashed, <c>api_tokens</c>) names a
/// user; the principal is made from that user's record as it is now, on every request, so a
/// token whose user was disabled, removed or lost the admin role stops working at once (the
/// role is read, not remembered). An expired token is refused; a use is recorded at most once a
/// minute per token (<see cref="TouchInterval"/>).
/// </summary>
public sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>HttpContext.Items key holding why a token was refused (the API's 401 body says it).</summary>
    public const string FailureItem = "Interchange.ApiToken.Failure";

    /// <summary>Claim: the id of the token a request came with.</summary>
    public const string TokenIdClaim = "interchange:token-id";

    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        // RFC 6750 2.1: "Bearer" (case-insensitive, RFC 9110 11.1) then the token.
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("the Authorization header must be 'Bearer ixt_…' (an API token)");
        }

        if (!ApiTokenSecret.TryParse(header["Bearer ".Length..].Trim(), out var id, out var secret))
        {
            return Fail("the bearer token is not an Interchange API token (ixt_…)");
        }

        var tokens = Context.RequestServices.GetService<IApiTokenStore>();
        var directory = Context.RequestServices.GetRequiredService<IDirectoryStore>();
        if (tokens is null)
        {
            return Fail("this server's store keeps no API tokens");
        }

        var found = await tokens.FindTokenAsync(id, Context.RequestAborted).ConfigureAwait(false);
        if (found is null || !ApiTokenSecret.Matches(secret, found.SecretHash))
        {
            return Fail("unknown or revoked API token");
        }

        var now = TimeProvider.GetUtcNow();
        if (found.Token.ExpiresAt is { } expires && expires <= now)
        {
            return Fail($"the API token expired at {expires:yyyy-MM-ddTHH:mm:ssZ}");
        }

        var user = await directory.GetUserAsync(found.Token.UserKey, Context.RequestAborted).ConfigureAwait(false);
        if (user is null || user.Disabled)
        {
            return Fail("the API token's user is disabled or no longer exists");
        }

        if (found.Token.LastUsedAt is not { } used || now - used >= TouchInterval)
        {
            try
            {
                await tokens.TouchTokenAsync(id, now, Context.RequestAborted).ConfigureAwait(false);
            }
            catch (StoreException ex)
            {
                Logger.LogWarning(ex, "Could not record the use of API token {TokenId}", id);
            }
        }

        var principal = WebPrincipals.Create(user, Scheme.Name);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(TokenIdClaim, id));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;

        // RFC 6750 3.1: invalid_token when a token was presented and refused.
        Response.Headers.WWWAuthenticate = Context.Items.ContainsKey(FailureItem)
            ? "Bearer realm=\"interchange\", error=\"invalid_token\""
            : "Bearer realm=\"interchange\"";
        return Task.CompletedTask;
    }

    private AuthenticateResult Fail(string why)
    {
        Context.Items[FailureItem] = why;
        return AuthenticateResult.Fail(why);
    }
}
