using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Interchange.IntegrationTests;

/// <summary>
/// A running <c>interchange serve</c> on a scratch data folder, every listener on 127.0.0.1
/// with a free port. Reads its standard output (listener lines) and error (logs) as they come.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _expectedListeners;

    private ServerProcess(Process process, int expectedListeners)
    {
        _process = process;
        _expectedListeners = expectedListeners;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _listening.TrySetException(new InvalidOperationException("the server closed its output before listening:\n" + string.Join('\n', _stderr)));
                return;
            }

            _stdout.Enqueue(e.Data);
            if (_stdout.Count(l => l.StartsWith("listening ", StringComparison.Ordinal)) >= _expectedListeners)
            {
                _listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
            }
        };
    }

    public static readonly string[] AllProtocols = ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "http", "https"];

    public IReadOnlyList<string> Stdout => _stdout.ToArray();

    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Port of a protocol's listener, read from the <c>listening</c> lines.</summary>
    public int Port(string protocol)
    {
        var line = _stdout.First(l => l.StartsWith($"listening {protocol} ", StringComparison.Ordinal));
        return int.Parse(line[(line.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Starts a server on <paramref name="data"/>; <paramref name="protocols"/> listen on 127.0.0.1:0, the rest are disabled.</summary>
    public static async Task<ServerProcess> StartAsync(string data, IEnumerable<string>? protocols = null, IEnumerable<string>? extraArguments = null, IDictionary<string, string>? environment = null)
    {
        var enabled = (protocols ?? AllProtocols).ToHashSet();
        var arguments = new List<string> { "serve", "--data", data };
        foreach (var protocol in AllProtocols)
        {
            arguments.Add("--listen");
            arguments.Add(enabled.Contains(protocol) ? $"{protocol}=127.0.0.1:0" : $"{protocol}=none");
        }

        arguments.AddRange(extraArguments ?? []);
        var server = Launch(arguments, environment, enabled.Count);
        await server.WaitListeningAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>Starts the process without waiting for it to listen (for tests of failed starts).</summary>
    public static ServerProcess Launch(IEnumerable<string> arguments, IDictionary<string, string>? environment, int expectedListeners)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in InterchangeBinary.Command([.. arguments]))
        {
            start.ArgumentList.Add(argument);
        }

        // Fast password hashing for tests; the default is 600,000 iterations.
        start.Environment["INTERCHANGE__Directory__PasswordIterations"] = "1000";

        // Inbound verification asks DNS about every sender's domain: off unless a test is about it
        // (and names its own DNS server), so no test depends on this machine's resolver.
        start.Environment["INTERCHANGE__Smtp__Authentication__Enabled"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start interchange");
        var server = new ServerProcess(process, expectedListeners);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public async Task WaitListeningAsync(TimeSpan timeout) => await _listening.Task.WaitAsync(timeout);

    /// <summary>Waits until a log line matches, or fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLogAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var line = _stderr.FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no matching log line; the log was:\n" + string.Join('\n', _stderr));
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>kill -9: the process gets no chance to clean up.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(30_000);
    }

    /// <summary>Sends SIGTERM, as a service manager does.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    public static JsonDocument ReadEndpoints(string data) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "run", "endpoints.json")));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
