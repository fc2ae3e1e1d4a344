namespace Interchange.Smtp.Delivery.Security;

/// <summary>A policy as cached (RFC 8461 5.1): for which domain, under which TXT id, fetched when, usable until when. Immutable.</summary>
public sealed record CachedMtaStsPolicy(string Domain, string Id, MtaStsPolicy Policy, DateTimeOffset FetchedAt, DateTimeOffset ExpiresAt)
{
    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    public override string ToString() => $"{Policy.Mode.ToString().ToLowerInvariant()} (id {Id}, mx {string.Join(" ", Policy.Mx)}, until {ExpiresAt:u})";
}
