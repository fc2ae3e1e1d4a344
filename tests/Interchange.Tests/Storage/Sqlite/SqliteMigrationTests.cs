using Dapper;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Shouldly;

namespace Interchange.Tests.Storage.Sqlite;

public sealed class SqliteMigrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("store.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_new_file_is_migrated_to_the_latest_schema()
    {
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath });

        (await database.SchemaVersionAsync()).ShouldBe(SqliteSchema.LatestVersion);
        SqliteSchema.LatestVersion.ShouldBe(SqliteSchema.Migrations.Max(m => m.Version));
        SqliteSchema.Migrations.Select(m => m.Version).ShouldBe(Enumerable.Range(1, SqliteSchema.Migrations.Count));
    }

    [Fact]
    public async Task Data_written_under_an_old_schema_survives_the_upgrade_and_the_change_log_works_after_it()
    {
        await using (var old = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = 1 }))
        {
            (await old.SchemaVersionAsync()).ShouldBe(1);
        }

        using (var raw = OpenRaw())
        {
            TableExists(raw, "domains").ShouldBeTrue();
            TableExists(raw, "directory_changes").ShouldBeFalse("version 1 has no change log yet");
            raw.Execute("INSERT INTO domains(name, created_at) VALUES ('example.com', 1700000000)");
            raw.Execute("""
                INSERT INTO addresses(key, address, domain, kind, created_at) VALUES
                    ('alice@example.com', 'Alice@example.com', 'example.com', 'user', 1700000001),
                    ('bob@example.com', 'bob@example.com', 'example.com', 'user', 1700000002),
                    ('sales@example.com', 'sales@example.com', 'example.com', 'alias', 1700000003),
                    ('staff@example.com', 'staff@example.com', 'example.com', 'group', 1700000004)
                """);
            raw.Execute("""
                INSERT INTO users(key, password_hash, disabled, credential_version) VALUES
                    ('alice@example.com', '$old$hash', 0, 3),
                    ('bob@example.com', NULL, 1, 1)
                """);
            raw.Execute("INSERT INTO alias_targets(alias_key, target, target_key) VALUES ('sales@example.com', 'Alice@example.com', 'alice@example.com')");
            raw.Execute("INSERT INTO group_members(group_key, member, member_key) VALUES ('staff@example.com', 'bob@example.com', 'bob@example.com')");
        }

        await using (var upgraded = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath }))
        {
            (await upgraded.SchemaVersionAsync()).ShouldBe(SqliteSchema.LatestVersion);
            var store = new SqliteDirectoryStore(upgraded);

            var alice = (await store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
            alice.Address.ShouldBe("Alice@example.com");
            alice.PasswordHash.ShouldBe("$old$hash");
            alice.CredentialVersion.ShouldBe(3);
            (await store.GetUserAsync("bob@example.com")).ShouldNotBeNull().Disabled.ShouldBeTrue();
            (await store.ListDomainsAsync()).ShouldHaveSingleItem().AddressCount.ShouldBe(4);
            (await store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["Alice@example.com"]);
            (await store.GetAliasesOfAsync("alice@example.com")).ShouldBe(["sales@example.com"]);
            (await store.GetGroupsContainingAsync("bob@example.com")).ShouldBe(["staff@example.com"]);

            (await store.LatestChangeAsync()).ShouldBe(0);
            await store.SetPasswordAsync("alice@example.com", "$new$hash");
            var change = (await store.ChangesSinceAsync(0, 10)).ShouldHaveSingleItem();
            change.Subject.ShouldBe("alice@example.com");
            (await store.GetUserAsync("alice@example.com"))!.CredentialVersion.ShouldBe(4);
        }

        // Opening again applies nothing (a second CREATE TABLE would fail) and loses nothing.
        await using (var again = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath }))
        {
            (await again.SchemaVersionAsync()).ShouldBe(SqliteSchema.LatestVersion);
            var store = new SqliteDirectoryStore(again);
            (await store.GetUserAsync("alice@example.com"))!.PasswordHash.ShouldBe("$new$hash");
            (await store.ChangesSinceAsync(0, 10)).Count.ShouldBe(1);
            (await store.ListUsersAsync()).Count.ShouldBe(2);
        }
    }

    [Fact]
    public async Task Opening_at_an_older_target_version_leaves_a_newer_file_alone_and_reopening_is_a_no_op()
    {
        await using (var first = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = 1 }))
        {
            (await first.SchemaVersionAsync()).ShouldBe(1);
        }

        await using (var second = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = 1 }))
        {
            (await second.SchemaVersionAsync()).ShouldBe(1);
        }

        await using (var latest = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath }))
        {
            (await latest.SchemaVersionAsync()).ShouldBe(SqliteSchema.LatestVersion);
        }

        await using (var older = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = 1 }))
        {
            (await older.SchemaVersionAsync()).ShouldBe(SqliteSchema.LatestVersion);
        }
    }

    [Fact]
    public async Task A_file_from_a_newer_build_is_refused_with_a_clear_message()
    {
        await using (var current = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath }))
        {
            (await current.SchemaVersionAsync()).ShouldBe(SqliteSchema.LatestVersion);
        }

        var future = SqliteSchema.LatestVersion + 7;
        using (var raw = OpenRaw())
        {
            raw.Execute($"PRAGMA user_version = {future}");
        }

        var ex = await Should.ThrowAsync<Interchange.Storage.StoreException>(() => SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath }));

        ex.Message.ShouldContain(future.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ex.Message.ShouldContain(SqliteSchema.LatestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ex.Message.ShouldContain("newer");

        // The refused open left the file as it was.
        using var check = OpenRaw();
        check.ExecuteScalar<long>("PRAGMA user_version").ShouldBe(future);
    }

    [Fact]
    public async Task A_fresh_file_claiming_a_future_version_is_refused_too()
    {
        using (var raw = OpenRaw())
        {
            raw.Execute("PRAGMA user_version = 99");
        }

        var ex = await Should.ThrowAsync<Interchange.Storage.StoreException>(() => SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath }));
        ex.Message.ShouldContain("99");
    }

    [Fact]
    public async Task A_version_5_store_upgrades_to_lock_rows_and_keeps_counting_uids_and_modseqs_where_it_was()
    {
        await using (var old = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = 5 }))
        {
            (await old.SchemaVersionAsync()).ShouldBe(5);
        }

        using (var raw = OpenRaw())
        {
            TableExists(raw, "store_locks").ShouldBeFalse("version 5 has no lock rows yet");
            raw.Execute("INSERT INTO mailboxes(user_key, name, uidvalidity, uidnext, highest_modseq, first_recent_uid) VALUES ('alice@example.com', 'INBOX', 1700000000, 8, 20, 8)");
            raw.Execute("INSERT INTO messages(mailbox_id, uid, blob, prefix, size, internal_date, flags, modseq) VALUES (1, 7, @blob, x'', 1, 0, '', 20)", new { blob = new string('a', 64) });
            raw.Execute("INSERT INTO domains(name, created_at) VALUES ('example.com', 1700000000)");
            raw.Execute("INSERT INTO addresses(key, address, domain, kind, created_at) VALUES ('g1@example.com', 'g1@example.com', 'example.com', 'group', 1), ('g2@example.com', 'g2@example.com', 'example.com', 'group', 1)");
            raw.Execute("INSERT INTO group_members(group_key, member, member_key) VALUES ('g1@example.com', 'g2@example.com', 'g2@example.com')");
        }

        await using var upgraded = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath });
        (await upgraded.SchemaVersionAsync()).ShouldBe(SqliteSchema.LatestVersion);
        var mail = new SqliteMailStore(upgraded);
        var appended = await mail.AppendAsync("alice@example.com", "INBOX", new Interchange.Storage.Blobs.BlobRef(Interchange.Storage.Blobs.BlobId.Of("x"u8.ToArray()), 1), [], DateTimeOffset.UtcNow);
        appended.Uid.ShouldBe(8);
        var box = (await mail.SnapshotAsync("alice@example.com", "INBOX"))!;
        box.UidNext.ShouldBe(9);
        box.HighestModSeq.ShouldBe(21);

        var directory = new SqliteDirectoryStore(upgraded);
        var refused = await Should.ThrowAsync<Interchange.Storage.Accounts.DirectoryStoreException>(() => directory.AddGroupMemberAsync("g2@example.com", "g1@example.com", "g1@example.com"));
        refused.Error.ShouldBe(Interchange.Storage.Accounts.DirectoryStoreError.Conflict);
        await directory.AddGroupAsync("g3@example.com", "g3@example.com", "example.com");
        await directory.AddGroupMemberAsync("g2@example.com", "g3@example.com", "g3@example.com");
    }

    [Fact]
    public async Task Upgrading_past_10_and_11_releases_content_nothing_refers_to_and_counts_each_mailboxs_messages()
    {
        await using (var old = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = 9 }))
        {
            (await old.SchemaVersionAsync()).ShouldBe(9);
        }

        using (var raw = OpenRaw())
        {
            raw.Execute("INSERT INTO mailboxes(id, user_key, name, uidvalidity, uidnext) VALUES (1, 'alice@example.com', 'INBOX', 1, 4), (2, 'alice@example.com', 'Empty', 1, 1)");
            raw.Execute("""
                INSERT INTO messages(mailbox_id, uid, blob, prefix, size, internal_date, modseq) VALUES
                    (1, 1, 'kept', x'', 1, 0, 1), (1, 3, 'kept', x'', 1, 0, 2)
                """);
            // Content an earlier version left behind after an expunge: an inline row and a structure.
            raw.Execute("INSERT INTO message_contents(id, data) VALUES ('kept', x'01'), ('expunged', x'02')");
            raw.Execute("INSERT INTO message_structures(blob, message_id, limits, structure) VALUES ('kept', NULL, 0, x'00'), ('structure-only', NULL, 0, x'00')");
        }

        await using var upgraded = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath });
        using var check = OpenRaw();
        check.Query<string>("SELECT id FROM content_releases ORDER BY id").ShouldBe(["expunged", "structure-only"]);
        check.Query<(long, long)>("SELECT id, message_count FROM mailboxes ORDER BY id").ShouldBe([(1L, 2L), (2L, 0L)]);
        check.Execute("DELETE FROM messages WHERE mailbox_id = 1 AND uid = 1");
        check.ExecuteScalar<long>("SELECT message_count FROM mailboxes WHERE id = 1").ShouldBe(1, "the trigger keeps the count");
    }

    private SqliteConnection OpenRaw()
    {
        SQLitePCL.Batteries_V2.Init();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static bool TableExists(SqliteConnection connection, string table) =>
        connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @table", new { table }) == 1;
}
