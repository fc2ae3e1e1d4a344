using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Interchange.IntegrationTests.TransportSecurity;

namespace Interchange.IntegrationTests.Milter;

/// <summary>
/// A real milter (opendkim, opendmarc, rspamd) started in the foreground for one test, with its
/// configuration in a temporary folder, listening on loopback: a <see cref="BackgroundProcess"/>
/// (its output kept, stopped on dispose or when the test process dies) that is ready once its
/// socket accepts a connection.
/// </summary>
public sealed class MilterDaemon : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private MilterDaemon(BackgroundProcess process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The milter's own socket syntax, which Interchange reads too.</summary>
    public string Socket => $"inet:{EndPoint.Port}@{EndPoint.Address}";

    public string Output => string.Join(Environment.NewLine, _process.Output);

    /// <summary>A port free on <paramref name="address"/> right now.</summary>
    public static int FreePort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static async Task<MilterDaemon> StartAsync(string program, IEnumerable<string> arguments, IPEndPoint endPoint, TimeSpan startTimeout)
    {
        var daemon = new MilterDaemon(BackgroundProcess.Start(program, [.. arguments]), endPoint);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (daemon._process.HasExited)
            {
                await daemon.DisposeAsync();
                throw new InvalidOperationException($"{program} exited at start: {daemon.Output}");
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

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
