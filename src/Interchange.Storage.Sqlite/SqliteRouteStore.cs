using Dapper;
using Interchange.Storage.Changes;
using Interchange.Storage.Routing;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// The routing table on the embedded SQLite store. A change first bumps the <c>routes</c> lock
/// row (the table's version), so on a backend with row locks two changes take turns and the
/// local-domain check and the version read by a watcher follow commit order; after the commit it
/// announces <see cref="ChangeTopic.Routing"/> on the change feed, if it has one.
/// </summary>
public sealed class SqliteRouteStore(SqliteDatabase database, TimeProvider? clock = null, IChangeFeed? changes = null) : IRouteStore
{
    private const int SqliteConstraint = 19;
    private const string VersionSql = "SELECT version FROM store_locks WHERE name = 'routes'";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public Task AddAsync(RouteRecord route, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(route);
        return Write(w =>
        {
            // The directory's domains are checked in this transaction: a domain added meanwhile
            // is either seen here or added after this route (and then routes local anyway).
            if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM domains WHERE name = @name", new { name = route.AddressSpace }) > 0)
            {
                throw new RouteStoreException(RouteStoreError.LocalDomain, $"{route.AddressSpace} is a local domain: its mail is delivered to local mailboxes and cannot be routed elsewhere (remove the domain first with 'interchange domain remove')");
            }

            try
            {
                w.Execute(
                    "INSERT INTO routes(address_space, connector, cost, smart_host, tls, gateway, created_at) VALUES (@AddressSpace, @Connector, @Cost, @SmartHost, @Tls, @Gateway, @now)",
                    new { route.AddressSpace, route.Connector, route.Cost, route.SmartHost, route.Tls, route.Gateway, now = _clock.GetUtcNow().ToUnixTimeSeconds() });
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                var via = route.SmartHost ?? route.Gateway;
                throw new RouteStoreException(RouteStoreError.Duplicate, $"a route {route.AddressSpace} -> {route.Connector}{(via is null ? string.Empty : " via " + via)} already exists (remove it first to change its cost)");
            }

            return 1;
        }, cancellationToken);
    }

    public Task<int> RemoveAsync(string addressSpace, string? connector = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addressSpace);
        return Write(w =>
        {
            var removed = w.Execute(
                "DELETE FROM routes WHERE address_space = @addressSpace AND (@connector IS NULL OR connector = @connector)",
                new { addressSpace, connector });
            return removed > 0
                ? removed
                : throw new RouteStoreException(RouteStoreError.NotFound, $"no stored route for {addressSpace}{(connector is null ? string.Empty : " -> " + connector)}");
        }, cancellationToken);
    }

    public async Task<StoredRoutes> ListAsync(CancellationToken cancellationToken = default) =>
        await database.ReadAsync(
            c =>
            {
                // One read transaction: the version and the rows are of the same commit.
                using var transaction = c.BeginTransaction(deferred: true);
                var version = c.ExecuteScalar<long>(VersionSql, transaction: transaction);
                var routes = c.Query<RouteRow>(
                        "SELECT address_space AS AddressSpace, connector AS Connector, cost AS Cost, smart_host AS SmartHost, tls AS Tls, gateway AS Gateway FROM routes ORDER BY address_space, cost, connector, id",
                        transaction: transaction)
                    .Select(r => new RouteRecord(r.AddressSpace, r.Connector, (int)r.Cost, r.SmartHost, r.Tls, r.Gateway))
                    .ToList();
                transaction.Commit();
                return new StoredRoutes(version, routes);
            },
            cancellationToken).ConfigureAwait(false);

    public async Task<long> VersionAsync(CancellationToken cancellationToken = default) =>
        await database.ReadAsync(c => c.ExecuteScalar<long>(VersionSql), cancellationToken).ConfigureAwait(false);

    private async Task<int> Write(Func<SqliteWriteContext, int> work, CancellationToken cancellationToken)
    {
        var result = await database.Writer.WriteAsync(
            w =>
            {
                w.Execute("UPDATE store_locks SET version = version + 1 WHERE name = 'routes'");
                return work(w);
            },
            cancellationToken).ConfigureAwait(false);
        changes?.Publish(ChangeTopic.Routing, string.Empty);
        return result;
    }

    private sealed record RouteRow(string AddressSpace, string Connector, long Cost, string? SmartHost, string? Tls, string? Gateway);
}
