using System.Diagnostics;
using System.Text;

namespace Interchange.IntegrationTests;

/// <summary>Runs a program to completion with a bound, capturing its output.</summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a Python 3 script (the independent client of most tests) given as text.</summary>
    public static Task<Result> PythonAsync(string script, TimeSpan? timeout = null) =>
        RunAsync("python3", ["-c", script], timeout: timeout);

    /// <summary>Runs a script with Debian's Python (<c>/usr/bin/python3</c>), the one that sees Debian's modules
    /// (<c>dkim</c>, <c>spf</c>, <c>authres</c>, <c>aiosmtpd</c>).</summary>
    public static Task<Result> DebianPythonAsync(string script, TimeSpan? timeout = null) =>
        RunAsync("/usr/bin/python3", ["-c", script], timeout: timeout);

    public static string Describe(Result result)
    {
        var text = new StringBuilder();
        text.Append("exit ").Append(result.ExitCode).AppendLine();
        text.AppendLine("stdout:").AppendLine(result.Stdout);
        text.AppendLine("stderr:").AppendLine(result.Stderr);
        return text.ToString();
    }
}
