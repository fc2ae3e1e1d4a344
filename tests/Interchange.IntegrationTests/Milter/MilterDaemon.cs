using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Interchange.IntegrationTests.Milter;

/// <summary>
/// A real milter (opendkim, opendmarc, rspamd) started in the foreground for one test, with its
/// configuration in a temporary folder, listening on loopback. Ready once its socket accepts a
/// connection; disposing stops it, and a watcher stops it too if the test process dies (it sees
/// our end of the wrapper's stdin close).
/// </summary>
public sealed class MilterDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private MilterDaemon(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The milter's own socket syntax, which Interchange reads too.</summary>
    public string Socket => $"inet:{EndPoint.Port}@{EndPoint.Address}";

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>A port free on <paramref name="address"/> right now.</summary>
    public static int FreePort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static async Task<MilterDaemon> StartAsync(string program, IEnumerable<string> arguments, IPEndPoint endPoint, TimeSpan startTimeout)
    {
        // The shell runs the milter and a watcher that stops it when our end of the shell's stdin closes.
        const string Wrapper = """
            exec 3<&0
            "$0" "$@" </dev/null &
            pid=$!
            ( read -r _ <&3; kill "$pid" 2>/dev/null ) >/dev/null 2>&1 &
            wait "$pid"
            """;
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

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var daemon = new MilterDaemon(process, endPoint);
        process.OutputDataReceived += (_, e) => daemon.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await daemon.DisposeAsync();
                throw new InvalidOperationException($"{program} exited at start ({process.ExitCode}): {daemon.Output}");
            }

            using var probe = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(endPoint);
                return daemon;
            }
            catch (SocketException) when (deadline.Elapsed < startTimeout)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                await daemon.DisposeAsync();
                throw new InvalidOperationException($"{program} did not listen on {endPoint} within {startTimeout.TotalSeconds:F0} s: {daemon.Output}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var bound = new CancellationTokenSource(StopTimeout);
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

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
