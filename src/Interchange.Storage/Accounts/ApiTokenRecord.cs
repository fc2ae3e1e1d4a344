namespace Interchange.Storage.Accounts;

/// <summary>An API token as an administrator sees it: never its secret nor the secret's hash.</summary>
/// <param name="Id">The public part of the token (<c>ixt_ID_secret</c>).</param>
/// <param name="UserKey">The user the token acts as.</param>
/// <param name="ExpiresAt">After this the token no longer authenticates; null: never expires.</param>
public sealed record ApiTokenRecord(string Id, string UserKey, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);
