using System.Globalization;
using Interchange.Storage.Accounts;
using Interchange.Storage.Changes;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

public sealed partial class SqliteDirectoryStore
{
    /// <summary>
    /// Bulk changes in one transaction (see <see cref="DirectoryBatch"/>): the directory lock row
    /// first, as every single-entry write, then each operation in its own savepoint, then the
    /// checkpoint. The whole batch sits in an outer savepoint too, so a dry run rolls back
    /// exactly its own work even when the writer shares the transaction with other requests.
    /// Every lookup is by primary key or an index: the cost is per operation, not per directory.
    /// </summary>
    public async Task<DirectoryBatchResult> ApplyAsync(DirectoryBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var result = await database.Writer.WriteAsync(w =>
        {
            w.Execute("UPDATE store_locks SET version = version + 1 WHERE name = 'directory'");
            w.Transaction.Save("dir_batch");
            var outcomes = new List<DirectoryOperationOutcome>(batch.Operations.Count);
            var changed = false;
            for (var i = 0; i < batch.Operations.Count; i++)
            {
                var operation = batch.Operations[i];
                var savepoint = "dir_op" + i.ToString(CultureInfo.InvariantCulture);
                w.Transaction.Save(savepoint);
                try
                {
                    var status = Apply(w, operation);
                    w.Transaction.Release(savepoint);
                    changed |= status != DirectoryOperationStatus.Unchanged;
                    outcomes.Add(new DirectoryOperationOutcome(i, operation.Line, status));
                }
                catch (DirectoryStoreException ex)
                {
                    w.Transaction.Rollback(savepoint);
                    w.Transaction.Release(savepoint);
                    outcomes.Add(new DirectoryOperationOutcome(i, operation.Line, DirectoryOperationStatus.Failed, ex.Message));
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
                {
                    // A rule the checks above missed, enforced by the schema: still this operation's refusal alone.
                    w.Transaction.Rollback(savepoint);
                    w.Transaction.Release(savepoint);
                    outcomes.Add(new DirectoryOperationOutcome(i, operation.Line, DirectoryOperationStatus.Failed, $"refused by the store: {ex.Message}"));
                }
            }

            if (batch.Checkpoint is { } checkpoint)
            {
                w.Execute("""
                    INSERT INTO import_runs(id, description, position, finished, updated_at) VALUES (@RunId, @Description, @Position, @finished, @now)
                    ON CONFLICT(id) DO UPDATE SET description = excluded.description, position = excluded.position, finished = excluded.finished, updated_at = excluded.updated_at
                    """, new { checkpoint.RunId, checkpoint.Description, checkpoint.Position, finished = checkpoint.Finished ? 1 : 0, now = Now() });
            }

            if (batch.DryRun)
            {
                w.Transaction.Rollback("dir_batch");
                changed = false;
            }

            w.Transaction.Release("dir_batch");
            return (Result: new DirectoryBatchResult(outcomes), Changed: changed);
        }, cancellationToken).ConfigureAwait(false);

        if (result.Changed)
        {
            changes?.Publish(ChangeTopic.Directory, string.Empty);
        }

        return result.Result;
    }

    private DirectoryOperationStatus Apply(SqliteWriteContext w, DirectoryOperation operation) => operation switch
    {
        EnsureDomain d => EnsureDomainExists(w, d),
        EnsureUser u => EnsureUserState(w, u),
        EnsureAlias a => EnsureAliasState(w, a),
        EnsureGroup g => EnsureGroupState(w, g),
        RemoveEntry r => RemoveEntryIfOwned(w, r),
        _ => throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"unknown directory operation {operation.GetType().Name}"),
    };

    private DirectoryOperationStatus EnsureDomainExists(SqliteWriteContext w, EnsureDomain d)
    {
        if (w.Execute("INSERT INTO domains(name, created_at) VALUES (@Name, @now) ON CONFLICT(name) DO NOTHING", new { d.Name, now = Now() }) == 0)
        {
            return DirectoryOperationStatus.Unchanged;
        }

        LogChange(w, DirectoryChangeScope.All, d.Name, "domain added");
        return DirectoryOperationStatus.Created;
    }

    private DirectoryOperationStatus EnsureUserState(SqliteWriteContext w, EnsureUser u)
    {
        var existing = FindOwned(w, u.Key, u.Address, "user", u.Source);
        if (existing is null)
        {
            InsertAddress(w, u.Key, u.Address, u.Domain, "user", u.Source);
            w.Execute(
                "INSERT INTO users(key, password_hash, disabled, role) VALUES (@Key, @PasswordHash, @disabled, @role)",
                new { u.Key, u.PasswordHash, disabled = u.Disabled == true ? 1 : 0, role = RoleName(u.Role ?? UserRole.User) });
            LogChange(w, DirectoryChangeScope.User, u.Key, "user added");
            return DirectoryOperationStatus.Created;
        }

        var current = w.QuerySingleOrDefault<UserRow>(UserSelect + " WHERE u.key = @Key", new { u.Key })!;
        var what = new List<string>(3);
        if (u.PasswordHash is not null && u.PasswordHash != current.PasswordHash)
        {
            what.Add("password changed");
        }

        if (u.Disabled is { } disabled && disabled != (current.Disabled != 0))
        {
            what.Add(disabled ? "user disabled" : "user enabled");
        }

        if (u.Role is { } role && RoleName(role) != current.Role)
        {
            what.Add(role == UserRole.Admin ? "user made an administrator" : "user no longer an administrator");
        }

        var respelled = u.Address != current.Address;
        if (what.Count == 0 && !respelled)
        {
            return DirectoryOperationStatus.Unchanged;
        }

        if (what.Count > 0)
        {
            // One change of standing, one credential bump: the user's sessions end once.
            w.Execute(
                "UPDATE users SET password_hash = COALESCE(@PasswordHash, password_hash), disabled = COALESCE(@disabled, disabled), role = COALESCE(@role, role), credential_version = credential_version + 1 WHERE key = @Key",
                new { u.Key, u.PasswordHash, disabled = u.Disabled is { } d ? (d ? 1 : 0) : (int?)null, role = u.Role is { } r ? RoleName(r) : null });
            LogChange(w, DirectoryChangeScope.Credentials, u.Key, string.Join(", ", what));
        }

        if (respelled)
        {
            w.Execute("UPDATE addresses SET address = @Address WHERE key = @Key", new { u.Address, u.Key });
            LogChange(w, DirectoryChangeScope.User, u.Key, $"address written as {u.Address}");
        }

        return DirectoryOperationStatus.Changed;
    }

    private DirectoryOperationStatus EnsureAliasState(SqliteWriteContext w, EnsureAlias a)
    {
        if (a.Targets.Count == 0)
        {
            throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"alias {a.Address} has no target");
        }

        var existing = FindOwned(w, a.Key, a.Address, "alias", a.Source);
        var created = existing is null;
        if (created)
        {
            InsertAddress(w, a.Key, a.Address, a.Domain, "alias", a.Source);
        }

        var current = created
            ? new HashSet<string>(StringComparer.Ordinal)
            : w.Query<string>("SELECT target_key FROM alias_targets WHERE alias_key = @Key", new { a.Key }).ToHashSet(StringComparer.Ordinal);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var changed = created;
        foreach (var target in a.Targets)
        {
            if (target.Key == a.Key)
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"{a.Address} cannot be an alias of itself");
            }

            if (!wanted.Add(target.Key) || current.Contains(target.Key))
            {
                continue;
            }

            RequireLocalTargetExists(w, target.Address, target.Key);
            w.Execute("INSERT INTO alias_targets(alias_key, target, target_key) VALUES (@Key, @target, @targetKey)", new { a.Key, target = target.Address, targetKey = target.Key });
            LogChange(w, DirectoryChangeScope.User, target.Key, $"alias {a.Address} added");
            changed = true;
        }

        if (a.Exact)
        {
            foreach (var gone in current.Where(t => !wanted.Contains(t)))
            {
                w.Execute("DELETE FROM alias_targets WHERE alias_key = @Key AND target_key = @gone", new { a.Key, gone });
                LogChange(w, DirectoryChangeScope.User, gone, $"alias {a.Address} removed");
                changed = true;
            }
        }

        return created ? DirectoryOperationStatus.Created : changed ? DirectoryOperationStatus.Changed : DirectoryOperationStatus.Unchanged;
    }

    private DirectoryOperationStatus EnsureGroupState(SqliteWriteContext w, EnsureGroup g)
    {
        var existing = FindOwned(w, g.Key, g.Address, "group", g.Source);
        var created = existing is null;
        if (created)
        {
            InsertAddress(w, g.Key, g.Address, g.Domain, "group", g.Source);
        }

        var current = created
            ? new HashSet<string>(StringComparer.Ordinal)
            : w.Query<string>("SELECT member_key FROM group_members WHERE group_key = @Key", new { g.Key }).ToHashSet(StringComparer.Ordinal);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var what = new List<string>();
        foreach (var member in g.Members)
        {
            if (!wanted.Add(member.Key) || current.Contains(member.Key))
            {
                continue;
            }

            if (member.Key == g.Key)
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"group {g.Address} cannot be a member of itself");
            }

            // Under the lock row, as AddGroupMemberAsync: no concurrent batch can close the cycle the other way.
            if (w.ExecuteScalar<long>(ReachableGroupsSql + " SELECT COUNT(*) FROM reach WHERE k = @groupKey", new { start = member.Key, groupKey = g.Key }) > 0)
            {
                throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"adding {member.Address} to {g.Address} would make a cycle: {member.Address} already contains {g.Address}");
            }

            RequireLocalTargetExists(w, member.Address, member.Key);
            w.Execute("INSERT INTO group_members(group_key, member, member_key) VALUES (@Key, @member, @memberKey)", new { g.Key, member = member.Address, memberKey = member.Key });
            what.Add($"member {member.Key} added");
        }

        if (g.Exact)
        {
            foreach (var gone in current.Where(m => !wanted.Contains(m)))
            {
                w.Execute("DELETE FROM group_members WHERE group_key = @Key AND member_key = @gone", new { g.Key, gone });
                what.Add($"member {gone} removed");
            }
        }

        if (created)
        {
            what.Insert(0, "group added");
        }

        if (what.Count == 0)
        {
            return DirectoryOperationStatus.Unchanged;
        }

        // Scope All rebuilds every context, so one entry per group says it all; the text is bounded for a huge group.
        var text = what.Count <= 10 ? string.Join(", ", what) : string.Join(", ", what.Take(10)) + $" and {what.Count - 10} more";
        LogChange(w, DirectoryChangeScope.All, g.Key, text);
        return created ? DirectoryOperationStatus.Created : DirectoryOperationStatus.Changed;
    }

    private DirectoryOperationStatus RemoveEntryIfOwned(SqliteWriteContext w, RemoveEntry r)
    {
        var expected = KindName(r.Kind);
        var existing = FindOwned(w, r.Key, r.Key, expected, r.Source);
        if (existing is null)
        {
            return DirectoryOperationStatus.Unchanged;
        }

        var aliasTargets = r.Kind == AddressKind.Alias
            ? w.Query<string>("SELECT target_key FROM alias_targets WHERE alias_key = @Key", new { r.Key }).ToList()
            : [];
        DetachReferences(w, r.Key);
        w.Execute("DELETE FROM addresses WHERE key = @Key", new { r.Key });
        switch (r.Kind)
        {
            case AddressKind.User:
                LogChange(w, DirectoryChangeScope.Credentials, r.Key, "user removed");
                break;
            case AddressKind.Alias:
                foreach (var target in aliasTargets)
                {
                    LogChange(w, DirectoryChangeScope.User, target, $"alias {r.Key} removed");
                }

                break;
            default:
                LogChange(w, DirectoryChangeScope.All, r.Key, "group removed");
                break;
        }

        return DirectoryOperationStatus.Removed;
    }

    /// <summary>
    /// The entry at <paramref name="key"/>, if any, refused unless it is of the wanted kind (one
    /// namespace across kinds) and kept by <paramref name="source"/> (an import does not take over
    /// what the LDAP sync keeps, nor the other way round).
    /// </summary>
    private static string? FindOwned(SqliteWriteContext w, string key, string address, string kind, string? source)
    {
        var row = w.QuerySingleOrDefault<(string Kind, string? Source)?>("SELECT kind, source FROM addresses WHERE key = @key", new { key });
        if (row is not { } found)
        {
            return null;
        }

        if (found.Kind != kind)
        {
            throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"{address} is already {WithArticle(found.Kind)}, not {WithArticle(kind)}");
        }

        if (!string.Equals(found.Source, source, StringComparison.Ordinal))
        {
            throw new DirectoryStoreException(DirectoryStoreError.Conflict, $"{address} is kept by {SourceName(found.Source)}, not by {SourceName(source)}; it is left as it is");
        }

        return found.Kind;
    }

    private static string SourceName(string? source) => source is null ? "this server (CLI, console or import)" : $"the {source} sync";

    private void InsertAddress(SqliteWriteContext w, string key, string address, string domain, string kind, string? source)
    {
        InsertAddress(w, key, address, domain, kind);
        if (source is not null)
        {
            w.Execute("UPDATE addresses SET source = @source WHERE key = @key", new { source, key });
        }
    }
}
