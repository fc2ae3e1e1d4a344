using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Interchange.IntegrationTests.SmtpClient;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// aiosmtpd (SmtpClient/aiosmtpd_peer.py) as a smart host on a loopback address of its own and a
/// free port: each accepted transaction becomes a JSON record (envelope, content, TLS, AUTH login).
/// </summary>
public sealed class AiosmtpdPeer : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(InterchangeBinary.RepositoryRoot, "tests", "Interchange.IntegrationTests", "SmtpClient", "aiosmtpd_peer.py");
    private readonly RemotePeer _peer;
    private readonly string _outDir;

    private AiosmtpdPeer(RemotePeer peer, string outDir)
    {
        _peer = peer;
        _outDir = outDir;
    }

    /// <summary>"[ip]:port", as routes name a smart host.</summary>
    public string SmartHost => $"[{_peer.Address}]:{_peer.Port}";

    /// <summary>Starts it on <paramref name="address"/>; <paramref name="flags"/> are the script's (--tls, --auth, --reject ...).</summary>
    public static async Task<AiosmtpdPeer> StartAsync(string outDir, IPAddress address, params string[] flags)
    {
        System.IO.Directory.CreateDirectory(outDir);
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(address, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var peer = await RemotePeer.StartAsync(address, port, "/usr/bin/python3", [Script, address.ToString(), $"{port}", outDir, .. flags], readyLine: "ready");
        return new AiosmtpdPeer(peer, outDir);
    }

    /// <summary>The transactions it accepted so far, oldest first.</summary>
    public List<JsonElement> Records() => System.IO.Directory.GetFiles(_outDir, "*.json").Order()
        .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone()).ToList();

    /// <summary>Waits (bounded) until at least <paramref name="count"/> transactions were accepted.</summary>
    public async Task<List<JsonElement>> WaitForRecordsAsync(int count, TimeSpan timeout, Func<string> describe)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var records = Records();
            if (records.Count >= count)
            {
                return records;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"{records.Count} of {count} transactions arrived at {SmartHost} in {timeout.TotalSeconds:F0} s\npeer output:\n{_peer.Output}\n{describe()}");
            }

            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => _peer.DisposeAsync();
}
