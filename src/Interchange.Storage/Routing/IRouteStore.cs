namespace Interchange.Storage.Routing;

/// <summary>
/// The routing table's stored entries (Exchange's GWART). Each change is one transaction that
/// advances the table's version and, once committed, announces
/// <see cref="Changes.ChangeTopic.Routing"/> on the change feed (a hint: a process the feed does
/// not reach, such as the admin CLI beside a running server, is found by polling the version).
/// </summary>
public interface IRouteStore
{
    /// <summary>
    /// Adds a route. Refused with <see cref="RouteStoreError.LocalDomain"/> when the address space
    /// is one of the directory's domains (checked in the same transaction), and with
    /// <see cref="RouteStoreError.Duplicate"/> when the same address space already routes to the
    /// same connector with the same smart host and gateway.
    /// </summary>
    Task AddAsync(RouteRecord route, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the routes of <paramref name="addressSpace"/> (only those to
    /// <paramref name="connector"/> when given); returns how many. None: <see cref="RouteStoreError.NotFound"/>.
    /// </summary>
    Task<int> RemoveAsync(string addressSpace, string? connector = null, CancellationToken cancellationToken = default);

    /// <summary>Every stored route and the version they were read at, in one read.</summary>
    Task<StoredRoutes> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The table's version alone: a cheap poll.</summary>
    Task<long> VersionAsync(CancellationToken cancellationToken = default);
}
