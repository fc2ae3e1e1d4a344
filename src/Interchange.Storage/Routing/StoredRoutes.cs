namespace Interchange.Storage.Routing;

/// <summary>
/// The stored routes as of one read, with the version of the table they were read at: every
/// change advances the version in its own transaction, so a reader that sees the same version
/// again knows nothing changed without reading the rows.
/// </summary>
public sealed record StoredRoutes(long Version, IReadOnlyList<RouteRecord> Routes);
