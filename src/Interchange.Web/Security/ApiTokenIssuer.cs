using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;

namespace Interchange.Web.Security;

/// <summary>
/// Makes API tokens, for the API (<c>POST /api/v1/tokens</c>) and the CLI (<c>interchange token
/// create</c>, the first administrator's way in): validates the name and expiry, stores the hash,
/// and returns the whole token, which exists nowhere else afterwards.
/// </summary>
public static class ApiTokenIssuer
{
    public const int MaxNameLength = 100;

    /// <summary>Longest lifetime a token may be given (ten years); none means it never expires.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3650);

    public static async Task<(ApiTokenRecord Record, string Token)> IssueAsync(IApiTokenStore store, string userKey, string? name, DateTimeOffset? expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var label = string.IsNullOrWhiteSpace(name) ? "api" : name.Trim();
        if (label.Length > MaxNameLength || label.Any(char.IsControl))
        {
            throw new DirectoryInputException($"a token name is at most {MaxNameLength} printable characters");
        }

        if (expiresAt is { } at && (at <= now || at - now > MaxLifetime))
        {
            throw new DirectoryInputException("a token's expiry must be in the future and at most ten years away");
        }

        var (id, token, hash) = ApiTokenSecret.Create();
        var record = new ApiTokenRecord(id, userKey, label, DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()), expiresAt is { } e ? DateTimeOffset.FromUnixTimeSeconds(e.ToUnixTimeSeconds()) : null, null);
        await store.AddTokenAsync(record, hash, cancellationToken).ConfigureAwait(false);
        return (record, token);
    }
}
