using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Interchange.IntegrationTests.SmtpClient;

/// <summary>
/// A peer SMTP server the test started (smtp-sink, aiosmtpd, a Python socket script), running
/// until disposed; disposal kills that process only (by its handle).
/// </summary>
public sealed class RemotePeer : IAsyncDisposable
{
    private static int _nextAddress = 20;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RemotePeer(Process process, IPAddress address, int port)
    {
        _process = process;
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>A loopback address of its own per peer (127.0.0.20, .21, ...) and a free port.</summary>
    public static (IPAddress Address, int Port) NextEndpoint()
    {
        var address = IPAddress.Parse($"127.0.0.{Interlocked.Increment(ref _nextAddress) % 200 + 20}");
        using var probe = new TcpListener(address, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return (address, port);
    }

    /// <summary>
    /// Starts <paramref name="fileName"/> and waits (bounded) until it prints <paramref name="readyLine"/>,
    /// or, when that is null, until the port accepts a connection.
    /// </summary>
    public static async Task<RemotePeer> StartAsync(IPAddress address, int port, string fileName, IEnumerable<string> arguments, string? readyLine)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var peer = new RemotePeer(process, address, port);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (peer._output)
            {
                peer._output.AppendLine(e.Data);
            }

            if (readyLine is not null && e.Data.Contains(readyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                break;
            }

            if (readyLine is not null ? ready.Task.IsCompleted : CanConnect(address, port))
            {
                return peer;
            }

            await Task.Delay(50);
        }

        var output = peer.Output;
        await peer.DisposeAsync();
        throw new InvalidOperationException($"{fileName} did not start listening on {address}:{port}:\n{output}");
    }

    private static bool CanConnect(IPAddress address, int port)
    {
        // Only for peers without a ready line whose session count does not matter (see smtp-sink -n).
        try
        {
            using var client = new TcpClient();
            client.Connect(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
