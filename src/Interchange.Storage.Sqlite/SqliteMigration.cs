namespace Interchange.Storage.Sqlite;

/// <summary>One step of the schema: applied once, in order, recorded in <c>PRAGMA user_version</c>.</summary>
public sealed record SqliteMigration(int Version, string Description, string Sql);
