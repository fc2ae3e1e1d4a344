namespace Interchange.Storage.Sqlite;

/// <summary>
/// The schema's history. Never edit a released step: add a new one. Each step runs in its own
/// transaction together with the version bump, so a crash leaves the schema at a step boundary.
/// </summary>
public static class SqliteSchema
{
    public static IReadOnlyList<SqliteMigration> Migrations { get; } =
    [
        new(1, "directory: domains, addresses, users, aliases, groups", """
            CREATE TABLE domains (
                name        TEXT PRIMARY KEY,
                created_at  INTEGER NOT NULL
            );
            -- One namespace for every directory address: a user, an alias and a group never share one.
            CREATE TABLE addresses (
                key         TEXT PRIMARY KEY,
                address     TEXT NOT NULL,
                domain      TEXT NOT NULL REFERENCES domains(name),
                kind        TEXT NOT NULL CHECK (kind IN ('user', 'alias', 'group')),
                created_at  INTEGER NOT NULL
            );
            CREATE INDEX addresses_domain ON addresses(domain);
            CREATE TABLE users (
                key                 TEXT PRIMARY KEY REFERENCES addresses(key) ON DELETE CASCADE,
                password_hash       TEXT,
                disabled            INTEGER NOT NULL DEFAULT 0,
                credential_version  INTEGER NOT NULL DEFAULT 1
            );
            CREATE TABLE alias_targets (
                alias_key   TEXT NOT NULL REFERENCES addresses(key) ON DELETE CASCADE,
                target      TEXT NOT NULL,
                target_key  TEXT NOT NULL,
                PRIMARY KEY (alias_key, target_key)
            );
            CREATE TABLE group_members (
                group_key   TEXT NOT NULL REFERENCES addresses(key) ON DELETE CASCADE,
                member      TEXT NOT NULL,
                member_key  TEXT NOT NULL,
                PRIMARY KEY (group_key, member_key)
            );
            """),
        new(2, "directory change log and server settings", """
            -- Every directory change appends here; running servers poll it to drop stale caches.
            CREATE TABLE directory_changes (
                seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                scope       TEXT NOT NULL CHECK (scope IN ('credentials', 'user', 'all')),
                subject     TEXT NOT NULL,
                what        TEXT NOT NULL,
                at          INTEGER NOT NULL
            );
            CREATE INDEX alias_targets_target ON alias_targets(target_key);
            CREATE INDEX group_members_member ON group_members(member_key);
            CREATE TABLE settings (
                name        TEXT PRIMARY KEY,
                value       TEXT NOT NULL
            );
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;
}
