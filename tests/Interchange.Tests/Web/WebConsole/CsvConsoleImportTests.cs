using System.Text;
using Interchange.Tests.TestSupport;
using Interchange.Web;
using Interchange.Web.WebConsole;
using Shouldly;
using Xunit;

namespace Interchange.Tests.Web.WebConsole;

/// <summary>The console's own CSV import: RFC 4180 fields, line-numbered errors, good rows imported, a second run changing nothing.</summary>
public sealed class CsvConsoleImportTests
{
    [Theory]
    [InlineData("a,b,c", new[] { "a", "b", "c" })]
    [InlineData("a,,c,", new[] { "a", "", "c", "" })]
    [InlineData("\"a,b\",\"say \"\"hi\"\"\",c", new[] { "a,b", "say \"hi\"", "c" })]
    [InlineData("\"\"", new[] { "" })]
    [InlineData("", new[] { "" })]
    public void Fields_FollowRfc4180(string line, string[] fields)
    {
        CsvConsoleImport.TryParseFields(line, out var parsed, out var problem).ShouldBeTrue(problem);
        parsed.ShouldBe(fields);
    }

    [Theory]
    [InlineData("\"open")]
    [InlineData("\"a\"b,c")]
    public void MalformedQuotes_AreRefused(string line)
    {
        CsvConsoleImport.TryParseFields(line, out _, out var problem).ShouldBeFalse();
        problem.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Import_AppliesGoodRows_ReportsBadOnesByLine_AndASecondRunChangesNothing()
    {
        await using var environment = await DirectoryTestEnvironment.CreateAsync();
        var import = new CsvConsoleImport(environment.Service, new WebOptions());
        const string Csv = "type,address,password,target\n"
            + "domain,import.test,,\n"
            + "user,ann@import.test,Ann-Secret-1,\n"
            + "user,bob@import.test,,\n"
            + "user,broken address,,\n"
            + "alias,sales@import.test,,ann@import.test\n"
            + "group,team@import.test,,bob@import.test\n"
            + "alias,nothing@import.test,,\n"
            + "user,ann@import.test,,\n";
        var first = await RunAsync(import, Csv);
        (first.Rows, first.Changed, first.Unchanged, first.Failed).ShouldBe((8L, 5L, 1L, 2L));
        first.Errors.Select(e => e.Line).ShouldBe([5L, 8L]);
        (await environment.Store.GetUserAsync("bob@import.test")).ShouldNotBeNull().PasswordHash.ShouldBeNull();
        (await environment.Store.GetAliasTargetsAsync("sales@import.test")).ShouldBe(["ann@import.test"]);
        (await environment.Store.GetGroupMembersAsync("team@import.test")).ShouldBe(["bob@import.test"]);

        var second = await RunAsync(import, Csv);
        (second.Changed, second.Unchanged, second.Failed).ShouldBe((0L, 6L, 2L));
    }

    [Fact]
    public async Task Import_WithoutAHeader_SaysSo_AndChangesNothing()
    {
        await using var environment = await DirectoryTestEnvironment.CreateAsync();
        var report = await RunAsync(new CsvConsoleImport(environment.Service, new WebOptions()), "user,ann@import.test,,\n");
        report.Changed.ShouldBe(0);
        report.Errors.ShouldHaveSingleItem().Line.ShouldBe(1);
    }

    private static async Task<ConsoleImportReport> RunAsync(CsvConsoleImport import, string csv)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        using var input = new MemoryStream(bytes);
        var seen = new List<ConsoleImportProgress>();
        var report = await import.RunAsync(input, bytes.Length, ConsoleImportFormat.Csv, new Recorder(seen), CancellationToken.None);
        seen.ShouldNotBeEmpty();
        seen[^1].Rows.ShouldBe(report.Rows);
        return report;
    }

    private sealed class Recorder(List<ConsoleImportProgress> seen) : IProgress<ConsoleImportProgress>
    {
        public void Report(ConsoleImportProgress value) => seen.Add(value);
    }
}
