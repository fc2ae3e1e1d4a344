using System.Collections.Concurrent;
using System.Diagnostics;

namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// A long-running helper program for a test (unbound, Python's HTTPS server, the milters): its output lines kept,
/// a bounded wait for a line, and a stop on dispose. As <c>DnsTestServer</c> does, a watcher shell
/// stops the program when our end of its stdin closes, so nothing is left behind if the test process dies.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private const string Wrapper = """
        exec 3<&0
        "$0" "$@" </dev/null &
        pid=$!
        ( read -r _ <&3; kill "$pid" 2>/dev/null ) >/dev/null 2>&1 &
        wait "$pid"
        """;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private int _disposed;

    private BackgroundProcess(Process process) => _process = process;

    public IReadOnlyList<string> Output => [.. _output];

    public bool HasExited => _process.HasExited;

    public static BackgroundProcess Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Wrapper);
        start.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var background = new BackgroundProcess(process);
        process.OutputDataReceived += (_, e) => background.Add(e.Data);
        process.ErrorDataReceived += (_, e) => background.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    /// <summary>Waits (bounded) until a line of output satisfies <paramref name="match"/>; fails at once if the program ended.</summary>
    public async Task WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!_output.Any(match))
        {
            if (_process.HasExited || watch.Elapsed > timeout)
            {
                throw new InvalidOperationException($"{_process.StartInfo.ArgumentList[2]} did not get ready (exited: {_process.HasExited}):\n{string.Join('\n', _output)}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
