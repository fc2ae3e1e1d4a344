using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// The README's first command, <c>dotnet run --project src/Interchange.Server -- serve --data ./data</c>, keeps the
/// data where the administrator typed it, and a data folder that ends up beside the project is never packed into
/// a publish.
/// </summary>
public sealed class DataFolderLocationTests
{
    [Fact]
    public async Task DotnetRun_RelativeDataFolder_IsRelativeToTheCurrentDirectory()
    {
        using var cwd = new ScratchFolder();
        System.IO.Directory.CreateDirectory(cwd.Path);
        var project = Path.Combine(InterchangeBinary.RepositoryRoot, "src", "Interchange.Server");

        // --no-build: the test run built the server already; the working directory is what is under test.
        var result = await ExternalProcess.RunAsync(
            "dotnet",
            ["run", "--no-build", "-c", InterchangeBinary.Configuration, "--project", project, "--", "domain", "list", "--data", "./data"],
            timeout: TimeSpan.FromSeconds(90),
            workingDirectory: cwd.Path);

        result.ExitCode.ShouldBe(1, ExternalProcess.Describe(result));
        result.Stderr.ShouldContain($"no Interchange store in {Path.Combine(cwd.Path, "data")}", Case.Sensitive, ExternalProcess.Describe(result));
    }

    [Fact]
    public async Task DataFolderBesideTheProject_IsNeitherContentNorPublished()
    {
        // Evaluate a copy of the server's project file next to a data folder holding what a server leaves there.
        using var folder = new ScratchFolder();
        System.IO.Directory.CreateDirectory(folder.Path);
        var projectFile = Path.Combine(folder.Path, "interchange.csproj");
        File.Copy(Path.Combine(InterchangeBinary.RepositoryRoot, "src", "Interchange.Server", "Interchange.Server.csproj"), projectFile);
        System.IO.Directory.CreateDirectory(Path.Combine(folder.Path, "data", "run"));
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "data", "run", "endpoints.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "data", "config.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "appsettings.json"), "{}");

        var items = await ExternalProcess.RunAsync(
            "dotnet", ["msbuild", projectFile, "-getItem:Content", "-getItem:None"], timeout: TimeSpan.FromSeconds(90), workingDirectory: folder.Path);

        items.ExitCode.ShouldBe(0, ExternalProcess.Describe(items));
        items.Stdout.ShouldContain("appsettings.json", Case.Sensitive, "the evaluation should see the project's own content");
        items.Stdout.ShouldNotContain("endpoints.json", Case.Sensitive, items.Stdout);
        items.Stdout.ShouldNotContain("config.json", Case.Sensitive, items.Stdout);
    }
}
