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

    private static string Find()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var configuration = baseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var directory = new DirectoryInfo(baseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Interchange.slnx")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"cannot find the repository root above {baseDirectory}");
        }

        var dll = Path.Combine(directory.FullName, "src", "Interchange.Server", "bin", configuration, "net10.0", "interchange.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the server first: {dll} is missing");
    }
}
