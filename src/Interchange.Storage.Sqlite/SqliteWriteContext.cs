using Dapper;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// What a write request sees: the writer's connection inside the current batch transaction.
/// Each request runs in its own savepoint, so a failing request rolls back alone and the
/// other requests of the batch still commit.
/// </summary>
public sealed class SqliteWriteContext
{
    internal SqliteWriteContext(SqliteConnection connection, SqliteTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public SqliteConnection Connection { get; }

    public SqliteTransaction Transaction { get; }

    public int Execute(string sql, object? parameters = null) =>
        Connection.Execute(sql, parameters, Transaction);

    public T? QuerySingleOrDefault<T>(string sql, object? parameters = null) =>
        Connection.QuerySingleOrDefault<T>(sql, parameters, Transaction);

    public T ExecuteScalar<T>(string sql, object? parameters = null) =>
        Connection.ExecuteScalar<T>(sql, parameters, Transaction)!;

    public IEnumerable<T> Query<T>(string sql, object? parameters = null) =>
        Connection.Query<T>(sql, parameters, Transaction);
}
