namespace Interchange.IntegrationTests;

/// <summary>Where the built <c>interchange</c> is: the server project's output for this test build's configuration.</summary>
public static class InterchangeBinary
{
    private static readonly Lazy<string> s_dll = new(Find);

    public static string Dll => s_dll.Value;

    /// <summary>Arguments for <c>dotnet</c> to run interchange with <paramref name="arguments"/>.</summary>
    public static IEnumerable<string> Command(params string[] arguments) => [Dll, .. arguments];

    /// <summary>Runs the CLI against a data folder.</summary>
    public static Task<ExternalProcess.Result> CliAsync(string data, string? stdin, params string[] arguments) =>
        ExternalProcess.RunAsync("dotnet", Command([.. arguments, "--data", data]), stdin, TimeSpan.FromSeconds(60));

    /// <summary>The checkout this test build came from (the folder holding Interchange.slnx).</summary>
    public static string RepositoryRoot => s_root.Value;

    /// <summary>The build configuration of this test run (Debug or Release), which the server was built in too.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static readonly Lazy<string> s_root = new(FindRoot);

    private static string FindRoot()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var directory = new DirectoryInfo(baseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Interchange.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"cannot find the repository root above {baseDirectory}");
    }

    private static string Find()
    {
        var dll = Path.Combine(RepositoryRoot, "src", "Interchange.Server", "bin", Configuration, "net10.0", "interchange.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the server first: {dll} is missing");
    }
}
