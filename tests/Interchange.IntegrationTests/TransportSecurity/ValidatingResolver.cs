using System.Net;
using System.Net.Sockets;

namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// unbound on a loopback address and a free port as the validating resolver of a DANE test: each
/// signed zone is signed with ldns-signzone (keys from ldns-keygen) and served by unbound itself
/// (<c>auth-zone</c>, for upstream) under a trust anchor for its key, so the answers from it carry the
/// AD bit; an unsigned zone is served the same way without an anchor, so its answers are insecure.
/// </summary>
public sealed class ValidatingResolver : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private ValidatingResolver(BackgroundProcess process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>"ip:port", as <c>Transport:Dns:Servers</c> and <c>Transport:Dns:DnssecResolver</c> take it.</summary>
    public string Server => EndPoint.ToString();

    /// <param name="zones">(origin such as "dane.test", the zone file's text, signed or not).</param>
    public static async Task<ValidatingResolver> StartAsync(string folder, IPAddress address, params (string Origin, string Zone, bool Signed)[] zones)
    {
        System.IO.Directory.CreateDirectory(folder);
        var anchors = new List<string>();
        var authZones = new List<string>();
        foreach (var (origin, zone, signed) in zones)
        {
            var file = Path.Combine(folder, origin + ".zone");
            await File.WriteAllTextAsync(file, zone);
            if (signed)
            {
                var ksk = (await RunAsync(folder, "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", origin)).Trim();
                var zsk = (await RunAsync(folder, "ldns-keygen", "-a", "ECDSAP256SHA256", origin)).Trim();
                await RunAsync(folder, "ldns-signzone", "-n", file, ksk, zsk);
                file += ".signed";
                anchors.Add(Path.Combine(folder, ksk + ".key"));
            }

            authZones.Add($"""
                auth-zone:
                  name: "{origin}."
                  zonefile: "{file}"
                  for-downstream: no
                  for-upstream: yes
                  fallback-enabled: no
                """);
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var endPoint = new IPEndPoint(address, FreePort(address));
            var config = Path.Combine(folder, "unbound.conf");
            await File.WriteAllTextAsync(config, $"""
                server:
                  interface: {address}
                  port: {endPoint.Port}
                  do-ip6: no
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "{folder}"
                  pidfile: ""
                  use-syslog: no
                  logfile: ""
                  verbosity: 1
                  access-control: 127.0.0.0/8 allow
                  module-config: "validator iterator"
                  local-zone: "test." nodefault
                {string.Join('\n', anchors.Select(a => $"  trust-anchor-file: \"{a}\""))}
                remote-control:
                  control-enable: no
                {string.Join('\n', authZones)}
                """);
            var checkedConfig = await ExternalProcess.RunAsync("unbound-checkconf", [config]);
            if (checkedConfig.ExitCode != 0)
            {
                throw new InvalidOperationException("unbound-checkconf:\n" + ExternalProcess.Describe(checkedConfig));
            }

            var process = BackgroundProcess.Start("unbound", "-d", "-c", config);
            try
            {
                await process.WaitForOutputAsync(l => l.Contains("start of service", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
                return new ValidatingResolver(process, endPoint);
            }
            catch (InvalidOperationException e)
            {
                last = e;
                await process.DisposeAsync();
            }
        }

        throw new InvalidOperationException("unbound did not start", last);
    }

    /// <summary>Asks with drill (ldnsutils, DO bit set) and returns its output: the header's flags show whether AD was set.</summary>
    public async Task<string> DrillAsync(string name, string type)
    {
        var result = await ExternalProcess.RunAsync("drill", ["-D", "-p", EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), $"@{EndPoint.Address}", name, type]);
        return result.ExitCode == 0 ? result.Stdout : throw new InvalidOperationException("drill failed:\n" + ExternalProcess.Describe(result));
    }

    public string Describe() => "unbound:\n" + string.Join('\n', _process.Output);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<string> RunAsync(string folder, string program, params string[] arguments)
    {
        var result = await ExternalProcess.RunAsync(program, arguments, workingDirectory: folder);
        return result.ExitCode == 0 ? result.Stdout : throw new InvalidOperationException($"{program} failed:\n" + ExternalProcess.Describe(result));
    }

    private static int FreePort(IPAddress address)
    {
        using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)udp.LocalEndPoint!).Port;
    }
}
