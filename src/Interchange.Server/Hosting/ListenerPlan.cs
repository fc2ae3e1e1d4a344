using Interchange.Server.Configuration;

namespace Interchange.Server.Hosting;

/// <summary>
/// Which protocol listens where: the standard ports on every address, overridden per protocol
/// by the configuration (<c>Listen:smtp = "127.0.0.1:2525, [::1]:2525"</c> or <c>none</c>) and
/// then by <c>--listen smtp=HOST:PORT</c> options (repeatable; the command line replaces the
/// configured list of each protocol it names).
/// </summary>
public static class ListenerPlan
{
    public static IReadOnlyList<ListenerBinding> Build(IReadOnlyDictionary<string, string> configured, IReadOnlyList<string> commandLine)
    {
        var plan = new Dictionary<MailProtocol, List<ListenEndpoint>>();
        foreach (var protocol in MailProtocols.All)
        {
            plan[protocol] = [new ListenEndpoint(null, false, protocol.DefaultPort())];
        }

        foreach (var (name, value) in configured)
        {
            if (!MailProtocols.TryParse(name, out var protocol))
            {
                throw new ConfigurationException($"Listen:{name}: unknown protocol; known: {string.Join(", ", MailProtocols.All.Select(p => p.Name()))}");
            }

            plan[protocol] = ParseList(value, $"Listen:{name}");
        }

        var fromCommandLine = new Dictionary<MailProtocol, List<ListenEndpoint>>();
        foreach (var item in commandLine)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !MailProtocols.TryParse(item[..equals], out var protocol))
            {
                throw new ConfigurationException($"--listen {item}: expected PROTOCOL=HOST:PORT with PROTOCOL one of {string.Join(", ", MailProtocols.All.Select(p => p.Name()))}");
            }

            var endpoints = ParseList(item[(equals + 1)..], $"--listen {item}");
            if (!fromCommandLine.TryGetValue(protocol, out var list))
            {
                fromCommandLine[protocol] = list = [];
            }

            list.AddRange(endpoints);
        }

        foreach (var (protocol, endpoints) in fromCommandLine)
        {
            plan[protocol] = endpoints;
        }

        return plan.SelectMany(p => p.Value.Select(e => new ListenerBinding(p.Key, e))).ToList();
    }

    private static List<ListenEndpoint> ParseList(string value, string where)
    {
        if (string.Equals(value.Trim(), "none", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(value))
        {
            return [];
        }

        var endpoints = new List<ListenEndpoint>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ListenEndpoint.TryParse(part, out var endpoint, out var error))
            {
                throw new ConfigurationException($"{where}: {error}");
            }

            endpoints.Add(endpoint);
        }

        return endpoints;
    }
}
