using Interchange.Transport.Connectors;
using Interchange.Transport.Gateway;
using Interchange.Transport.Routing;

namespace Interchange.Server.Configuration;

/// <summary>
/// Checks <c>Transport:Gateways</c>: <see cref="Validate"/> what can be told from the settings
/// alone (the admin CLI runs it too), <see cref="Prepare"/> at the server's start, where the
/// folders are resolved (relative to the data folder) and created.
/// </summary>
public static class GatewayConfiguration
{
    /// <summary>One message per problem; empty when the gateways can run.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<GatewayOptions> gateways)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < gateways.Count; i++)
        {
            var g = gateways[i];
            var at = $"Transport:Gateways:{i}";
            if (g is null)
            {
                problems.Add($"{at}: empty");
                continue;
            }

            var name = g.Name ?? string.Empty;
            if (!IsConnectorName(name))
            {
                // Routes store connector names in lower case: any other spelling would never be claimed.
                problems.Add($"{at}:Name '{name}' is not a connector name: lower-case letters, digits, '-', '_' and '.', at most 64, starting with a letter or digit");
            }
            else if (name is LocalConnector.ConnectorName or RoutingTable.SmtpConnector)
            {
                problems.Add($"{at}:Name '{name}' is a built-in connector's name");
            }
            else if (!names.Add(name))
            {
                problems.Add($"{at}:Name '{name}' names two gateways");
            }

            if (string.IsNullOrWhiteSpace(g.DropFolder) && string.IsNullOrWhiteSpace(g.PickupFolder))
            {
                problems.Add($"{at}: a gateway needs a DropFolder, a PickupFolder or both");
            }

            if (g.Workers is < 1 or > 1000)
            {
                problems.Add($"{at}:Workers must be from 1 to 1000");
            }

            if (g.Lease < TimeSpan.FromSeconds(30))
            {
                problems.Add($"{at}:Lease must be at least 30 seconds (it is renewed every third of it)");
            }

            if (g.PollInterval <= TimeSpan.Zero)
            {
                problems.Add($"{at}:PollInterval must be positive");
            }

            if (g.MaxMessageSize < 1024)
            {
                problems.Add($"{at}:MaxMessageSize must be at least 1024 bytes");
            }
        }

        return problems;
    }

    /// <summary>
    /// Makes each folder absolute (a relative one is under <paramref name="dataRoot"/>) and creates
    /// it; returns the problems (a folder that cannot be created, one folder used twice).
    /// </summary>
    public static IReadOnlyList<string> Prepare(IReadOnlyList<GatewayOptions> gateways, string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        var problems = new List<string>();
        var used = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < gateways.Count; i++)
        {
            var g = gateways[i];
            g.DropFolder = Resolve(g.DropFolder, $"Transport:Gateways:{i}:DropFolder");
            g.PickupFolder = Resolve(g.PickupFolder, $"Transport:Gateways:{i}:PickupFolder");
        }

        return problems;

        string Resolve(string folder, string setting)
        {
            if (string.IsNullOrWhiteSpace(folder))
            {
                return string.Empty;
            }

            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder.Trim(), dataRoot));
            if (used.TryGetValue(full, out var other))
            {
                // A pickup folder that is also a drop folder would take the gateway's own output back in.
                problems.Add($"{setting}: {full} is also {other}; every gateway folder must be its own");
                return full;
            }

            used[full] = setting;
            try
            {
                System.IO.Directory.CreateDirectory(full);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                problems.Add($"{setting}: cannot create {full}: {ex.Message}");
            }

            return full;
        }
    }

    private static bool IsConnectorName(string name) =>
        name.Length is > 0 and <= 64
        && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');
}
