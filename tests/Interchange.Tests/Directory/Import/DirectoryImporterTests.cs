using System.Text;
using Interchange.Directory.Import;
using Interchange.Storage.Accounts;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Import;

public sealed class DirectoryImporterTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private SqliteDatabase _database = null!;
    private SqliteDirectoryStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _directory.File("store.db") });
        _store = new SqliteDirectoryStore(_database);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    private const string Csv = """
        type,address,password_hash,disabled,role,targets
        user,alice@example.com,{SSHA}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy,,,
        user,not-an-address,,,,
        user,bob@example.com,$md5$whatever,true,admin,
        group,staff@example.com,,,,alice@example.com bob@example.com
        alias,sales@example.com,,,,alice@example.com ghost@example.com
        alias,@example.com,,,,bob@example.com
        user,carol@example.com,,maybe,,
        frob,x@example.com,,,,
        user,dave@example.com,,,,
        """;

    private Task<ImportReport> Import(string text, ImportOptions? options = null, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new DirectoryImporter(_store).ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), ImportFormat.Csv, options ?? new ImportOptions(), progress, cancellationToken);

    [Fact]
    public async Task Good_rows_import_and_bad_rows_are_reported_by_line()
    {
        var report = await Import(Csv);

        report.Errors.Select(e => e.Line).ShouldBe([3, 6, 8, 9]);
        report.Errors[0].Message.ShouldContain("not-an-address");
        report.Errors[1].Message.ShouldContain("ghost@example.com");
        report.Errors[2].Message.ShouldContain("maybe");
        report.Errors[3].Message.ShouldContain("frob");
        report.Warnings.ShouldHaveSingleItem().Line.ShouldBe(4);
        report.Entries.ShouldBe(9);
        report.Created.ShouldBe(6); // the domain, alice, bob, staff, the catch-all, dave

        (await _store.GetUserAsync("alice@example.com"))!.PasswordHash.ShouldBe("{SSHA}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy");
        var bob = (await _store.GetUserAsync("bob@example.com"))!;
        bob.PasswordHash.ShouldBeNull("an unknown hash format makes a user who must set a password");
        bob.Disabled.ShouldBeTrue();
        bob.Role.ShouldBe(UserRole.Admin);
        (await _store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["alice@example.com", "bob@example.com"]);
        (await _store.GetAliasTargetsAsync("@example.com")).ShouldBe(["bob@example.com"]);
        (await _store.FindAsync("sales@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task A_second_run_changes_nothing_and_writes_no_change_log_entry()
    {
        await Import(Csv);
        var position = await _store.LatestChangeAsync();

        var again = await Import(Csv);

        again.NothingChanged.ShouldBeTrue();
        again.Unchanged.ShouldBe(6);
        again.ErrorCount.ShouldBe(4);
        (await _store.LatestChangeAsync()).ShouldBe(position);
    }

    [Fact]
    public async Task A_dry_run_reports_and_writes_nothing()
    {
        var report = await Import(Csv, new ImportOptions { DryRun = true, RunId = "r", BatchSize = 2 });

        report.Created.ShouldBe(6);
        report.DryRun.ShouldBeTrue();
        (await _store.ListDomainsAsync()).ShouldBeEmpty();
        (await _store.LatestChangeAsync()).ShouldBe(0);
        (await _store.GetImportCheckpointAsync("r")).ShouldBeNull();
    }

    [Fact]
    public async Task An_interrupted_run_resumes_after_its_last_committed_batch()
    {
        var rows = string.Join('\n', Enumerable.Range(0, 50).Select(i => $"user,u{i}@example.com,,,,"));
        var text = "type,address,password_hash,disabled,role,targets\n" + rows + "\n";
        using var cancel = new CancellationTokenSource();
        var batches = 0;
        var progress = new Inline(_ =>
        {
            if (++batches == 2)
            {
                cancel.Cancel(); // as a kill after the second commit
            }
        });

        var stopped = false;
        try
        {
            await Import(text, new ImportOptions { RunId = "run", BatchSize = 10 }, progress, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            stopped = true;
        }

        stopped.ShouldBeTrue();
        var checkpoint = (await _store.GetImportCheckpointAsync("run")).ShouldNotBeNull();
        checkpoint.Finished.ShouldBeFalse();
        (await _store.ListUsersAsync()).Count.ShouldBe((int)checkpoint.Position);

        var resumed = await Import(text, new ImportOptions { RunId = "run", BatchSize = 10 });

        resumed.SkippedEntries.ShouldBe(checkpoint.Position);
        resumed.ResumedAtLine.ShouldBe((int)checkpoint.Position + 2);
        resumed.Created.ShouldBe(50 - checkpoint.Position);
        (await _store.ListUsersAsync()).Count.ShouldBe(50);
        (await _store.GetImportCheckpointAsync("run"))!.Finished.ShouldBeTrue();

        var finished = await Import(text, new ImportOptions { RunId = "run", BatchSize = 10 });
        finished.SkippedEntries.ShouldBe(0, "a finished run is applied whole again (and changes nothing)");
        finished.Unchanged.ShouldBe(51);
    }

    [Fact]
    public async Task A_file_without_a_header_is_refused_as_a_whole()
    {
        var report = await Import("user,alice@example.com\n");
        report.Fatal.ShouldNotBeNull().ShouldContain("header");
        (await _store.ListUsersAsync()).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(ImportFormat.Csv)]
    [InlineData(ImportFormat.Ldif)]
    public async Task An_export_imports_into_an_empty_directory_as_the_same_directory(ImportFormat format)
    {
        await Import(Csv);
        await _store.ApplyAsync(new DirectoryBatch(
        [
            new EnsureUser(0, "o'neil+x@example.com", "O'Neil+x@example.com", "example.com", "$pbkdf2-sha256$i=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            new EnsureAlias(0, "chain@example.com", "chain@example.com", "example.com", [new("zz@remote.example", "zz@remote.example")]),
            new EnsureGroup(0, "empty@example.com", "empty@example.com", "example.com", []),
        ]));
        // An alias naming an alias that sorts after it: the export must order them.
        await _store.ApplyAsync(new DirectoryBatch([new EnsureAlias(0, "aa@example.com", "aa@example.com", "example.com", [new("chain@example.com", "chain@example.com"), new("staff@example.com", "staff@example.com")])]));
        var exported = new MemoryStream();
        await new DirectoryExporter(_store).ExportAsync(exported, format, null, CancellationToken.None);

        await using var otherDatabase = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _directory.File("other.db") });
        var other = new SqliteDirectoryStore(otherDatabase);
        exported.Position = 0;
        var report = await new DirectoryImporter(other).ImportAsync(exported, format, new ImportOptions(), null, CancellationToken.None);

        report.Errors.ShouldBeEmpty();
        (await other.ListDomainsAsync()).Select(d => d.Name).ShouldBe((await _store.ListDomainsAsync()).Select(d => d.Name));
        (await other.ListUsersAsync()).Select(u => u with { CredentialVersion = 0 }).ShouldBe((await _store.ListUsersAsync()).Select(u => u with { CredentialVersion = 0 }));
        (await other.ListAliasesAsync()).Select(a => (a.Key, a.Address, string.Join(' ', a.Targets))).ShouldBe((await _store.ListAliasesAsync()).Select(a => (a.Key, a.Address, string.Join(' ', a.Targets))));
        (await other.ListGroupsAsync()).Select(g => (g.Key, string.Join(' ', g.Members))).ShouldBe((await _store.ListGroupsAsync()).Select(g => (g.Key, string.Join(' ', g.Members))));
    }

    private sealed class Inline(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
