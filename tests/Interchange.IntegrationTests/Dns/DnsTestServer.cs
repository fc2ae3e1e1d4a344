using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Interchange.Testing.Dns;

/// <summary>A DNS server for tests: dnsmasq on a loopback address and a free port, serving only the
/// records the test gives (no /etc/hosts, no resolv.conf, no upstream, no daemon, no pid file, no
/// configuration file), logging each query so a test can count them. Disposing stops it; if the
/// test process dies first, dnsmasq is stopped by a watcher that sees our end of its stdin close,
/// so no process is left behind either way.</summary>
/// <remarks>dnsmasq serves MX (a null MX too), A/AAAA, TXT, CNAME and, as raw records, TLSA. It does
/// not sign (no DNSSEC answers with the AD bit), so DANE tests need unbound with a signed zone.</remarks>
public sealed class DnsTestServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly List<string> _log = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private DnsTestServer(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    /// <summary>Where it listens (UDP and TCP).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>"ip:port", as <c>Transport:Dns:Servers</c> takes it.</summary>
    public string Server => EndPoint.ToString();

    /// <summary>What dnsmasq logged so far (a line per query with "query[TYPE] name from ...").</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static string Program =>
        File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : "dnsmasq";

    /// <summary>Starts dnsmasq with <paramref name="records"/> on <paramref name="address"/> (127.0.0.1 when
    /// null; 127.0.0.2 and up work too) and a free port; returns once it answers.</summary>
    public static async Task<DnsTestServer> StartAsync(DnsTestRecords records, IPAddress? address = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        address ??= IPAddress.Loopback;
        Exception? last = null;

        // A free port can be taken by someone else between our probe and dnsmasq's bind: try a few.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var server = Launch(records, new IPEndPoint(address, FreePort(address)));
            try
            {
                await server.WaitStartedAsync().ConfigureAwait(false);
                return server;
            }
            catch (InvalidOperationException e) when (e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                last = e;
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        throw new InvalidOperationException("dnsmasq found no free port", last);
    }

    /// <summary>Queries dnsmasq logged for <paramref name="name"/> of <paramref name="type"/> ("MX", "A", ...).</summary>
    public int QueryCount(string name, string type)
    {
        var needle = $"query[{type}] {name} from ";
        return Log.Count(line => line.Contains(needle, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Stops dnsmasq and waits for it to go (bounded; killed past the bound).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // The watcher in the wrapper shell stops dnsmasq when its stdin closes (and, if dnsmasq
            // ended by itself, the watcher ends too).
            _process.StandardInput.Close();
            if (!_process.HasExited)
            {
                using var bound = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static DnsTestServer Launch(DnsTestRecords records, IPEndPoint endPoint)
    {
        // The shell runs dnsmasq in the foreground of its own and a watcher that stops it when our
        // end of the shell's stdin closes: on dispose, or when the test process dies however it dies.
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
        start.ArgumentList.Add(Program);
        foreach (var argument in ServerArguments(records, endPoint))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dnsmasq");
        var server = new DnsTestServer(process, endPoint);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => server._started.TrySetException(
            new InvalidOperationException($"dnsmasq exited at start: {string.Join(Environment.NewLine, server.Log)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private static List<string> ServerArguments(DnsTestRecords records, IPEndPoint endPoint)
    {
        List<string> arguments =
        [
            "--keep-in-foreground",
            "--conf-file=/dev/null", // neither /etc/dnsmasq.conf nor /etc/dnsmasq.d
            "--no-hosts",
            "--no-resolv",
            "--no-poll",
            "--pid-file", // none
            "--bind-interfaces",
            $"--listen-address={endPoint.Address}",
            string.Create(CultureInfo.InvariantCulture, $"--port={endPoint.Port}"),
            "--log-facility=-",
            "--log-queries",
            string.Create(CultureInfo.InvariantCulture, $"--local-ttl={records.Ttl}"),
            "--cache-size=0", // answers come from the records, never from a cache of dnsmasq's own
        ];
        arguments.AddRange(records.Zones.Select(zone => $"--local=/{zone}/"));
        arguments.AddRange(records.Arguments);
        return arguments;
    }

    private static int FreePort(IPAddress address)
    {
        // DNS needs the port free for both UDP and TCP.
        for (var attempt = 0; ; attempt++)
        {
            using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(address, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Add(line);
        }

        // dnsmasq logs "started" after binding its sockets, and "failed to create listening socket ... in use" when it cannot.
        if (line.Contains("started, version", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
        else if (line.Contains("failed to create listening socket", StringComparison.Ordinal))
        {
            _started.TrySetException(new InvalidOperationException($"dnsmasq: {line}"));
        }
    }

    private async Task WaitStartedAsync()
    {
        try
        {
            await _started.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"dnsmasq did not start within {StartTimeout.TotalSeconds:F0} s: {string.Join(Environment.NewLine, Log)}");
        }
    }
}
