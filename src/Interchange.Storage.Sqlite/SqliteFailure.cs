using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>Turns SQLite's own errors into the store's one exception type, so nothing above the backend names SQLite.</summary>
internal static class SqliteFailure
{
    public static Exception Translate(Exception error) => error switch
    {
        SqliteException sqlite => new StoreException($"the store failed: {sqlite.Message}", sqlite),
        _ => error,
    };
}
