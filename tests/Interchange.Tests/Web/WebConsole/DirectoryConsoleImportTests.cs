using System.Text;
using Interchange.Tests.TestSupport;
using Interchange.Web;
using Interchange.Web.WebConsole;
using Shouldly;
using Xunit;

namespace Interchange.Tests.Web.WebConsole;

/// <summary>The console's import is the directory importer: counts in the console's terms, line-numbered errors, progress, a second run changing nothing.</summary>
public sealed class DirectoryConsoleImportTests
{
    [Fact]
    public async Task Import_AppliesGoodRows_ReportsBadOnesByLine_AndASecondRunChangesNothing()
    {
        await using var environment = await DirectoryTestEnvironment.CreateAsync();
        var import = new DirectoryConsoleImport(environment.Store, new WebOptions());
        const string Csv = "type,address,password_hash,disabled,role,targets\n"
            + "domain,import.test,,,,\n"
            + "user,ann@import.test,,,,\n"
            + "user,bob@import.test,,,,\n"
            + "user,broken address,,,,\n"
            + "alias,sales@import.test,,,,ann@import.test\n"
            + "group,team@import.test,,,,bob@import.test\n"
            + "frobnicate,x@import.test,,,,\n"
            + "user,ann@import.test,,,,\n";
        var first = await RunAsync(import, Csv);
        (first.Changed, first.Unchanged, first.Failed).ShouldBe((5L, 1L, 2L));
        first.Rows.ShouldBe(8);
        first.Errors.Select(e => e.Line).ShouldBe([5L, 8L]);
        (await environment.Store.GetUserAsync("bob@import.test")).ShouldNotBeNull().PasswordHash.ShouldBeNull();
        (await environment.Store.GetAliasTargetsAsync("sales@import.test")).ShouldBe(["ann@import.test"]);
        (await environment.Store.GetGroupMembersAsync("team@import.test")).ShouldBe(["bob@import.test"]);

        var second = await RunAsync(import, Csv);
        (second.Changed, second.Failed).ShouldBe((0L, 2L));
    }

    [Fact]
    public async Task Ldif_IsOffered_AndImports()
    {
        await using var environment = await DirectoryTestEnvironment.CreateAsync();
        var import = new DirectoryConsoleImport(environment.Store, new WebOptions());
        import.Formats.ShouldContain(ConsoleImportFormat.Ldif);
        const string Ldif = "version: 1\n\ndn: uid=ann,ou=people,dc=import,dc=test\nobjectClass: inetOrgPerson\nuid: ann\ncn: Ann\nsn: Ann\nmail: ann@import.test\n";
        var bytes = Encoding.UTF8.GetBytes(Ldif);
        using var input = new MemoryStream(bytes);
        var report = await import.RunAsync(input, bytes.Length, ConsoleImportFormat.Ldif, null, CancellationToken.None);
        report.Failed.ShouldBe(0, string.Join("; ", report.Errors.Select(e => $"{e.Line}: {e.Message}")));
        (await environment.Store.GetUserAsync("ann@import.test")).ShouldNotBeNull();
    }

    private static async Task<ConsoleImportReport> RunAsync(DirectoryConsoleImport import, string csv)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        using var input = new MemoryStream(bytes);
        var seen = new List<ConsoleImportProgress>();
        var report = await import.RunAsync(input, bytes.Length, ConsoleImportFormat.Csv, new Recorder(seen), CancellationToken.None);
        seen.ShouldNotBeEmpty();
        seen[^1].Rows.ShouldBe(report.Rows);
        seen.ShouldAllBe(p => p.Length == bytes.Length);
        return report;
    }

    private sealed class Recorder(List<ConsoleImportProgress> seen) : IProgress<ConsoleImportProgress>
    {
        public void Report(ConsoleImportProgress value) => seen.Add(value);
    }
}
