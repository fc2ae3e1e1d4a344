namespace Interchange.Storage.Accounts;

/// <summary>A token with the hash of its secret: what authentication compares against, never shown.</summary>
public sealed record ApiTokenCredential(ApiTokenRecord Token, string SecretHash);
