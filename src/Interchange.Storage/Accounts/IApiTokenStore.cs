namespace Interchange.Storage.Accounts;

/// <summary>
/// API tokens (<c>api_tokens</c>): each names a user and keeps only a hash of its secret; the
/// token grants what its user may do now (role, enabled), looked up on every request. Removing a
/// user removes its tokens. Implemented by the directory store of each backend.
/// </summary>
public interface IApiTokenStore
{
    /// <summary>Adds a token for an existing user (NotFound otherwise; Duplicate for a taken id).</summary>
    Task AddTokenAsync(ApiTokenRecord token, string secretHash, CancellationToken cancellationToken = default);

    /// <summary>The token and its secret's hash, for authentication (null when there is no such token).</summary>
    Task<ApiTokenCredential?> FindTokenAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Tokens of one user (every user's when <paramref name="userKey"/> is null), oldest first.</summary>
    Task<IReadOnlyList<ApiTokenRecord>> ListTokensAsync(string? userKey = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a token; false when there was none.</summary>
    Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records a use (a redoable write: a lost timestamp costs nothing).</summary>
    Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}
