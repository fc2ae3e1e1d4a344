using Dapper;
using Interchange.Storage.Accounts;

namespace Interchange.Storage.Sqlite;

/// <summary>API tokens (<see cref="IApiTokenStore"/>): not directory entries, so no change-log entry and no directory lock row.</summary>
public sealed partial class SqliteDirectoryStore : IApiTokenStore
{
    private const string TokenSelect = "SELECT id AS Id, user_key AS UserKey, name AS Name, secret_hash AS SecretHash, created_at AS CreatedAt, expires_at AS ExpiresAt, last_used_at AS LastUsedAt FROM api_tokens";

    public Task AddTokenAsync(ApiTokenRecord token, string secretHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        return database.Writer.WriteAsync(w =>
        {
            // Checked in the insert's transaction: a user removed meanwhile cannot get a token.
            if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM users WHERE key = @key", new { key = token.UserKey }) == 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"user {token.UserKey} does not exist");
            }

            Insert(w, "INSERT INTO api_tokens(id, user_key, name, secret_hash, created_at, expires_at) VALUES (@Id, @UserKey, @Name, @secretHash, @created, @expires)",
                new { token.Id, token.UserKey, token.Name, secretHash, created = token.CreatedAt.ToUnixTimeSeconds(), expires = token.ExpiresAt?.ToUnixTimeSeconds() },
                $"token {token.Id} already exists");
        }, cancellationToken);
    }

    public Task<ApiTokenCredential?> FindTokenAsync(string id, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<TokenRow>(TokenSelect + " WHERE id = @id", new { id }).Select(r => new ApiTokenCredential(ToToken(r), r.SecretHash)).SingleOrDefault(), cancellationToken);

    public Task<IReadOnlyList<ApiTokenRecord>> ListTokensAsync(string? userKey = null, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<TokenRow>(TokenSelect + " WHERE @userKey IS NULL OR user_key = @userKey ORDER BY created_at, id", new { userKey }).Select(ToToken).ToList(), cancellationToken);

    public Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken = default) =>
        database.Writer.WriteAsync(w => w.Execute("DELETE FROM api_tokens WHERE id = @id", new { id }) > 0, cancellationToken);

    public Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        database.Writer.WriteRedoableAsync(w => w.Execute("UPDATE api_tokens SET last_used_at = @at WHERE id = @id", new { id, at = at.ToUnixTimeSeconds() }), cancellationToken);

    private static ApiTokenRecord ToToken(TokenRow r) => new(
        r.Id,
        r.UserKey,
        r.Name,
        DateTimeOffset.FromUnixTimeSeconds(r.CreatedAt),
        r.ExpiresAt is { } expires ? DateTimeOffset.FromUnixTimeSeconds(expires) : null,
        r.LastUsedAt is { } used ? DateTimeOffset.FromUnixTimeSeconds(used) : null);

    private sealed class TokenRow
    {
        public string Id { get; set; } = "";

        public string UserKey { get; set; } = "";

        public string Name { get; set; } = "";

        public string SecretHash { get; set; } = "";

        public long CreatedAt { get; set; }

        public long? ExpiresAt { get; set; }

        public long? LastUsedAt { get; set; }
    }
}
