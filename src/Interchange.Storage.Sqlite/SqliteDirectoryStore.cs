using Dapper;
using Interchange.Storage.Accounts;
using Interchange.Storage.Changes;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// The directory on the embedded SQLite store. Every mutation is one transaction that first takes
/// the directory's lock row (<see cref="Write"/>), so its checks (a group cycle, a target that
/// must exist) and its change-log entry do not rest on SQLite's single writer; after the commit
/// it announces <see cref="ChangeTopic.Directory"/> on the change feed, if it has one.
/// </summary>
public sealed partial class SqliteDirectoryStore(SqliteDatabase database, TimeProvider? clock = null, IChangeFeed? changes = null) : IDirectoryStore
{
    private const int SqliteConstraint = 19;

    // Keys reachable from @start through group membership, @start included.
    private const string ReachableGroupsSql = """
        WITH RECURSIVE reach(k) AS (
            SELECT @start
            UNION
            SELECT gm.member_key FROM group_members gm JOIN reach ON gm.group_key = reach.k
        )
        """;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public Task AddDomainAsync(string name, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            Insert(w, "INSERT INTO domains(name, created_at) VALUES (@name, @now)", new { name, now = Now() }, $"domain {name} already exists");
            LogChange(w, DirectoryChangeScope.All, name, "domain added");
        }, cancellationToken);

    public Task RemoveDomainAsync(string name, bool force, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM domains WHERE name = @name", new { name }) == 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"domain {name} does not exist");
            }

            if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM settings WHERE name = 'primary_domain' AND value = @name", new { name }) > 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"domain {name} is the primary domain (its postmaster receives every domain's postmaster mail); it cannot be removed");
            }

            var count = w.ExecuteScalar<long>("SELECT COUNT(*) FROM addresses WHERE domain = @name", new { name });
            if (count > 0 && !force)
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"domain {name} still has {count} users, aliases or groups; remove them first or use --force");
            }

            foreach (var (key, kind) in w.Query<(string Key, string Kind)>("SELECT key, kind FROM addresses WHERE domain = @name", new { name }).ToList())
            {
                DetachReferences(w, key);
                if (kind == "user")
                {
                    // A removed user's sessions must end, as with 'user remove'.
                    LogChange(w, DirectoryChangeScope.Credentials, key, $"user removed with domain {name}");
                }
            }

            w.Execute("DELETE FROM addresses WHERE domain = @name", new { name });
            w.Execute("DELETE FROM domains WHERE name = @name", new { name });
            LogChange(w, DirectoryChangeScope.All, name, "domain removed");
        }, cancellationToken);

    public Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken cancellationToken = default) =>
        Read(c => c.Query<(string Name, long CreatedAt, long Count)>("""
            SELECT d.name, d.created_at, (SELECT COUNT(*) FROM addresses a WHERE a.domain = d.name)
            FROM domains d ORDER BY d.name
            """).Select(r => new DomainRecord(r.Name, DateTimeOffset.FromUnixTimeSeconds(r.CreatedAt), (int)r.Count)).ToList(), cancellationToken);

    public Task<bool> DomainExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Read(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM domains WHERE name = @name", new { name }) > 0, cancellationToken);

    public Task<string?> GetPrimaryDomainAsync(CancellationToken cancellationToken = default) =>
        Read(c => c.QuerySingleOrDefault<string?>("SELECT value FROM settings WHERE name = 'primary_domain'"), cancellationToken);

    public Task SetPrimaryDomainAsync(string name, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            // One statement: the domain's existence and the record are checked and written together.
            var written = w.Execute(
                "INSERT INTO settings(name, value) SELECT 'primary_domain', name FROM domains WHERE name = @name ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                new { name });
            if (written == 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"domain {name} is not a local domain");
            }

            LogChange(w, DirectoryChangeScope.All, name, "primary domain set");
        }, cancellationToken);

    public Task<DirectoryEntry?> FindAsync(string key, CancellationToken cancellationToken = default) =>
        Read(c => c.QuerySingleOrDefault<(string Key, string Address, string Kind)?>("SELECT key, address, kind FROM addresses WHERE key = @key", new { key }) is { } r
            ? new DirectoryEntry(r.Key, r.Address, ParseKind(r.Kind))
            : null, cancellationToken);

    public Task AddUserAsync(string key, string address, string domain, string? passwordHash, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            InsertAddress(w, key, address, domain, "user");
            w.Execute("INSERT INTO users(key, password_hash) VALUES (@key, @passwordHash)", new { key, passwordHash });
            LogChange(w, DirectoryChangeScope.User, key, "user added");
        }, cancellationToken);

    public Task<UserRecord?> GetUserAsync(string key, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<UserRow>(UserSelect + " WHERE u.key = @key", new { key }).Select(ToUser).SingleOrDefault(), cancellationToken);

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(string? domain = null, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<UserRow>(UserSelect + " WHERE @domain IS NULL OR a.domain = @domain ORDER BY a.domain, a.key", new { domain }).Select(ToUser).ToList(), cancellationToken);

    public Task SetPasswordAsync(string key, string passwordHash, CancellationToken cancellationToken = default) =>
        UpdateUser(key, "password_hash = @value", passwordHash, "password changed", cancellationToken);

    public Task SetDisabledAsync(string key, bool disabled, CancellationToken cancellationToken = default) =>
        UpdateUser(key, "disabled = @value", disabled ? 1 : 0, disabled ? "user disabled" : "user enabled", cancellationToken);

    public Task SetRoleAsync(string key, UserRole role, CancellationToken cancellationToken = default) =>
        UpdateUser(key, "role = @value", RoleName(role), role == UserRole.Admin ? "user made an administrator" : "user no longer an administrator", cancellationToken);

    public Task<ImportCheckpoint?> GetImportCheckpointAsync(string runId, CancellationToken cancellationToken = default) =>
        Read(c => c.QuerySingleOrDefault<(string Id, string Description, long Position, long Finished)?>(
            "SELECT id, description, position, finished FROM import_runs WHERE id = @runId", new { runId }) is { } r
            ? new ImportCheckpoint(r.Id, r.Description, r.Position, r.Finished != 0)
            : null, cancellationToken);

    public Task RemoveUserAsync(string key, CancellationToken cancellationToken = default) =>
        RemoveAddress(key, AddressKind.User, "user removed", DirectoryChangeScope.Credentials, cancellationToken);

    public Task AddAliasTargetAsync(string aliasKey, string aliasAddress, string domain, string target, string targetKey, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            var kind = w.QuerySingleOrDefault<string>("SELECT kind FROM addresses WHERE key = @aliasKey", new { aliasKey });
            if (kind is null)
            {
                InsertAddress(w, aliasKey, aliasAddress, domain, "alias");
            }
            else if (kind != "alias")
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"{aliasAddress} is already {WithArticle(kind)}");
            }

            RequireLocalTargetExists(w, target, targetKey);
            Insert(w, "INSERT INTO alias_targets(alias_key, target, target_key) VALUES (@aliasKey, @target, @targetKey)", new { aliasKey, target, targetKey }, $"alias {aliasAddress} already points to {target}");
            LogChange(w, DirectoryChangeScope.User, targetKey, $"alias {aliasAddress} added");
        }, cancellationToken);

    public Task RemoveAliasAsync(string aliasKey, string? targetKey, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            RequireKind(w, aliasKey, AddressKind.Alias);
            var targets = w.Query<string>("SELECT target_key FROM alias_targets WHERE alias_key = @aliasKey AND (@targetKey IS NULL OR target_key = @targetKey)", new { aliasKey, targetKey }).ToList();
            if (targetKey is not null && targets.Count == 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"alias {aliasKey} does not point to {targetKey}");
            }

            w.Execute("DELETE FROM alias_targets WHERE alias_key = @aliasKey AND (@targetKey IS NULL OR target_key = @targetKey)", new { aliasKey, targetKey });
            if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM alias_targets WHERE alias_key = @aliasKey", new { aliasKey }) == 0)
            {
                DetachReferences(w, aliasKey);
                w.Execute("DELETE FROM addresses WHERE key = @aliasKey", new { aliasKey });
            }

            foreach (var target in targets)
            {
                LogChange(w, DirectoryChangeScope.User, target, $"alias {aliasKey} removed");
            }
        }, cancellationToken);

    public Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(string? domain = null, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<(string Key, string Address, string Target, string? Source)>("""
            SELECT a.key, a.address, t.target, a.source FROM addresses a JOIN alias_targets t ON t.alias_key = a.key
            WHERE a.kind = 'alias' AND (@domain IS NULL OR a.domain = @domain)
            ORDER BY a.domain, a.key, t.target_key
            """, new { domain })
            .GroupBy(r => (r.Key, r.Address, r.Source))
            .Select(g => new AliasRecord(g.Key.Key, g.Key.Address, g.Select(r => r.Target).ToList(), g.Key.Source))
            .ToList(), cancellationToken);

    public Task<IReadOnlyList<string>> GetAliasTargetsAsync(string aliasKey, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<string>("SELECT target FROM alias_targets WHERE alias_key = @aliasKey ORDER BY target_key", new { aliasKey }).ToList(), cancellationToken);

    public Task<IReadOnlyList<string>> GetAliasesOfAsync(string targetKey, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<string>("""
            SELECT a.address FROM alias_targets t JOIN addresses a ON a.key = t.alias_key
            WHERE t.target_key = @targetKey AND a.key NOT LIKE '@%' ORDER BY a.key
            """, new { targetKey }).ToList(), cancellationToken);

    public Task AddGroupAsync(string key, string address, string domain, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            InsertAddress(w, key, address, domain, "group");
            LogChange(w, DirectoryChangeScope.All, key, "group added");
        }, cancellationToken);

    public Task RemoveGroupAsync(string key, CancellationToken cancellationToken = default) =>
        RemoveAddress(key, AddressKind.Group, "group removed", DirectoryChangeScope.All, cancellationToken);

    public Task AddGroupMemberAsync(string groupKey, string member, string memberKey, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            RequireKind(w, groupKey, AddressKind.Group);
            if (memberKey == groupKey)
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"group {groupKey} cannot be a member of itself");
            }

            // Checked inside the transaction that took the directory lock row (Write): a
            // concurrent "add member" that would close the cycle the other way waits for this one
            // and then sees its row, so two additions cannot make a cycle between them.
            var cycle = w.ExecuteScalar<long>(ReachableGroupsSql + " SELECT COUNT(*) FROM reach WHERE k = @groupKey", new { start = memberKey, groupKey });
            if (cycle > 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"adding {member} to {groupKey} would make a cycle: {member} already contains {groupKey}");
            }

            RequireLocalTargetExists(w, member, memberKey);
            Insert(w, "INSERT INTO group_members(group_key, member, member_key) VALUES (@groupKey, @member, @memberKey)", new { groupKey, member, memberKey }, $"{member} is already a member of {groupKey}");
            LogChange(w, DirectoryChangeScope.All, groupKey, $"member {memberKey} added");
        }, cancellationToken);

    public Task RemoveGroupMemberAsync(string groupKey, string memberKey, CancellationToken cancellationToken = default) =>
        Write(w =>
        {
            RequireKind(w, groupKey, AddressKind.Group);
            if (w.Execute("DELETE FROM group_members WHERE group_key = @groupKey AND member_key = @memberKey", new { groupKey, memberKey }) == 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"{memberKey} is not a member of {groupKey}");
            }

            LogChange(w, DirectoryChangeScope.All, groupKey, $"member {memberKey} removed");
        }, cancellationToken);

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string? domain = null, CancellationToken cancellationToken = default) =>
        Read(c =>
        {
            var groups = c.Query<(string Key, string Address, string? Source)>("SELECT key, address, source FROM addresses WHERE kind = 'group' AND (@domain IS NULL OR domain = @domain) ORDER BY domain, key", new { domain }).ToList();
            var members = c.Query<(string Group, string Member)>("SELECT group_key, member FROM group_members ORDER BY group_key, member_key")
                .ToLookup(m => m.Group, m => m.Member);
            return groups.Select(g => new GroupRecord(g.Key, g.Address, members[g.Key].ToList(), g.Source)).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<string>> GetGroupMembersAsync(string groupKey, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<string>("SELECT member FROM group_members WHERE group_key = @groupKey ORDER BY member_key", new { groupKey }).ToList(), cancellationToken);

    public Task<IReadOnlyList<string>> GetGroupsContainingAsync(string key, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<string>("""
            WITH RECURSIVE up(k) AS (
                SELECT group_key FROM group_members WHERE member_key = @key
                UNION
                SELECT gm.group_key FROM group_members gm JOIN up ON gm.member_key = up.k
            )
            SELECT a.address FROM up JOIN addresses a ON a.key = up.k ORDER BY a.key
            """, new { key }).ToList(), cancellationToken);

    public Task<long> LatestChangeAsync(CancellationToken cancellationToken = default) =>
        Read(c => c.ExecuteScalar<long>("SELECT COALESCE(MAX(seq), 0) FROM directory_changes"), cancellationToken);

    public Task<IReadOnlyList<DirectoryChange>> ChangesSinceAsync(long sequence, int max, CancellationToken cancellationToken = default) =>
        Read(c => c.Query<(long Seq, string Scope, string Subject, string What)>(
                "SELECT seq, scope, subject, what FROM directory_changes WHERE seq > @sequence ORDER BY seq LIMIT @max", new { sequence, max })
            .Select(r => new DirectoryChange(r.Seq, ParseScope(r.Scope), r.Subject, r.What))
            .ToList(), cancellationToken);

    private const string UserSelect = "SELECT u.key AS Key, a.address AS Address, u.password_hash AS PasswordHash, u.disabled AS Disabled, u.credential_version AS CredentialVersion, u.role AS Role, a.source AS Source FROM users u JOIN addresses a ON a.key = u.key";

    /// <summary>
    /// One directory mutation: the lock row first (directory writes are rare, so they simply take
    /// turns; the sequence numbers of the change log then follow commit order too, which the
    /// watchers' "changes after N" relies on), then <paramref name="work"/>, then, once committed,
    /// the hint to the change feed.
    /// </summary>
    private async Task Write(Action<SqliteWriteContext> work, CancellationToken cancellationToken)
    {
        await database.Writer.WriteAsync(
            w =>
            {
                w.Execute("UPDATE store_locks SET version = version + 1 WHERE name = 'directory'");
                work(w);
            },
            cancellationToken).ConfigureAwait(false);
        changes?.Publish(ChangeTopic.Directory, string.Empty);
    }

    private async Task<IReadOnlyList<T>> Read<T>(Func<SqliteConnection, List<T>> read, CancellationToken cancellationToken) =>
        await database.ReadAsync(read, cancellationToken).ConfigureAwait(false);

    private async Task<T> Read<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken) =>
        await database.ReadAsync(read, cancellationToken).ConfigureAwait(false);

    private Task UpdateUser(string key, string assignment, object value, string what, CancellationToken cancellationToken) =>
        Write(w =>
        {
            if (w.Execute($"UPDATE users SET {assignment}, credential_version = credential_version + 1 WHERE key = @key", new { key, value }) == 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"user {key} does not exist");
            }

            LogChange(w, DirectoryChangeScope.Credentials, key, what);
        }, cancellationToken);

    private Task RemoveAddress(string key, AddressKind kind, string what, DirectoryChangeScope scope, CancellationToken cancellationToken) =>
        Write(w =>
        {
            RequireKind(w, key, kind);
            DetachReferences(w, key);
            w.Execute("DELETE FROM addresses WHERE key = @key", new { key });
            LogChange(w, scope, key, what);
        }, cancellationToken);

    /// <summary>
    /// Drops memberships and alias targets that name <paramref name="key"/>; an alias left with no
    /// target goes too, and with it every reference to it, and so on down the chain, so that no
    /// group or alias keeps naming an address that a later user could take over.
    /// </summary>
    private void DetachReferences(SqliteWriteContext w, string key)
    {
        var detach = new Queue<string>([key]);
        var removed = new HashSet<string>(StringComparer.Ordinal) { key };
        while (detach.TryDequeue(out var current))
        {
            w.Execute("DELETE FROM group_members WHERE member_key = @current", new { current });
            var emptied = w.Query<string>(EmptiedAliasesSql, new { current }).ToList();
            w.Execute("DELETE FROM alias_targets WHERE target_key = @current", new { current });
            foreach (var alias in emptied.Where(removed.Add))
            {
                w.Execute("DELETE FROM addresses WHERE key = @alias", new { alias });
                LogChange(w, DirectoryChangeScope.User, alias, $"alias {alias} removed: its last target {current} was removed");
                detach.Enqueue(alias);
            }
        }
    }

    // Aliases whose only remaining target is @current.
    private const string EmptiedAliasesSql =
        "SELECT DISTINCT t.alias_key FROM alias_targets t WHERE t.target_key = @current " +
        "AND NOT EXISTS (SELECT 1 FROM alias_targets o WHERE o.alias_key = t.alias_key AND o.target_key <> @current)";

    /// <summary>
    /// A target in a local domain must exist now, checked in the same transaction as the insert:
    /// checked earlier, a concurrent removal could leave the alias naming a free address that a
    /// later user would inherit.
    /// </summary>
    private static void RequireLocalTargetExists(SqliteWriteContext w, string target, string targetKey)
    {
        var domain = targetKey[(targetKey.LastIndexOf('@') + 1)..];
        if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM domains WHERE name = @domain", new { domain }) > 0
            && w.ExecuteScalar<long>("SELECT COUNT(*) FROM addresses WHERE key = @targetKey", new { targetKey }) == 0)
        {
            throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"{target} is in a local domain but is no user, alias or group");
        }
    }

    private static void RequireKind(SqliteWriteContext w, string key, AddressKind kind)
    {
        var found = w.QuerySingleOrDefault<string>("SELECT kind FROM addresses WHERE key = @key", new { key });
        var expected = KindName(kind);
        if (found is null)
        {
            throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"{expected} {key} does not exist");
        }

        if (found != expected)
        {
            throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"{key} is {WithArticle(found)}, not {WithArticle(expected)}");
        }
    }

    /// <summary>"a user", "a group", "an alias": the kinds are English words in messages to administrators.</summary>
    private static string WithArticle(string kind) => (kind == "alias" ? "an " : "a ") + kind;

    private void InsertAddress(SqliteWriteContext w, string key, string address, string domain, string kind)
    {
        if (w.ExecuteScalar<long>("SELECT COUNT(*) FROM domains WHERE name = @domain", new { domain }) == 0)
        {
            throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"domain {domain} is not a local domain; add it first");
        }

        var existing = w.QuerySingleOrDefault<string>("SELECT kind FROM addresses WHERE key = @key", new { key });
        if (existing is not null)
        {
            throw new DirectoryStoreException(DirectoryStoreError.Duplicate, $"{address} already exists (as {WithArticle(existing)})");
        }

        Insert(w, "INSERT INTO addresses(key, address, domain, kind, created_at) VALUES (@key, @address, @domain, @kind, @now)", new { key, address, domain, kind, now = Now() }, $"{address} already exists");
    }

    private static void Insert(SqliteWriteContext w, string sql, object parameters, string duplicateMessage)
    {
        try
        {
            w.Execute(sql, parameters);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
        {
            throw new DirectoryStoreException(DirectoryStoreError.Duplicate, duplicateMessage);
        }
    }

    private void LogChange(SqliteWriteContext w, DirectoryChangeScope scope, string subject, string what) =>
        w.Execute("INSERT INTO directory_changes(scope, subject, what, at) VALUES (@scope, @subject, @what, @now)", new { scope = ScopeName(scope), subject, what, now = Now() });

    private long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();

    private static string KindName(AddressKind kind) => kind switch
    {
        AddressKind.User => "user",
        AddressKind.Alias => "alias",
        _ => "group",
    };

    private static AddressKind ParseKind(string kind) => kind switch
    {
        "user" => AddressKind.User,
        "alias" => AddressKind.Alias,
        _ => AddressKind.Group,
    };

    private static string ScopeName(DirectoryChangeScope scope) => scope switch
    {
        DirectoryChangeScope.Credentials => "credentials",
        DirectoryChangeScope.User => "user",
        _ => "all",
    };

    private static DirectoryChangeScope ParseScope(string scope) => scope switch
    {
        "credentials" => DirectoryChangeScope.Credentials,
        "user" => DirectoryChangeScope.User,
        _ => DirectoryChangeScope.All,
    };

    private static UserRecord ToUser(UserRow r) => new(r.Key, r.Address, r.PasswordHash, r.Disabled != 0, r.CredentialVersion, r.Role == "admin" ? UserRole.Admin : UserRole.User, r.Source);

    private static string RoleName(UserRole role) => role == UserRole.Admin ? "admin" : "user";

    private sealed class UserRow
    {
        public string Key { get; set; } = "";

        public string Address { get; set; } = "";

        public string? PasswordHash { get; set; }

        public long Disabled { get; set; }

        public long CredentialVersion { get; set; }

        public string Role { get; set; } = "user";

        public string? Source { get; set; }
    }
}
