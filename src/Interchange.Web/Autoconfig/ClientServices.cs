namespace Interchange.Web.Autoconfig;

/// <summary>
/// What clients are told to use, from the listeners as bound: for each of IMAP, POP3 and
/// submission, implicit TLS first then STARTTLS (RFC 8314 section 3: implicit TLS preferred),
/// one port each. Port 25 (<c>smtp</c>, server-to-server relay) is never offered for
/// submission (RFC 6409 section 1). Every client-facing document (Thunderbird autoconfig,
/// Autodiscover, Apple profiles, the SRV records) is built from this one list.
/// </summary>
public sealed class ClientServices
{
    /// <summary>Listener names in the order of preference, per client protocol.</summary>
    private static readonly (string Listener, string Protocol, bool ImplicitTls)[] Preference =
    [
        ("imaps", "imap", true), ("imap", "imap", false),
        ("pop3s", "pop3", true), ("pop3", "pop3", false),
        ("submissions", "smtp", true), ("submission", "smtp", false),
    ];

    private ClientServices(string host, IReadOnlyList<ClientEndpoint> endpoints)
    {
        Host = host;
        All = endpoints;
    }

    /// <summary>The host name clients connect to.</summary>
    public string Host { get; }

    /// <summary>Every endpoint offered, IMAP then POP3 then SMTP, each in the order of preference.</summary>
    public IReadOnlyList<ClientEndpoint> All { get; }

    public IEnumerable<ClientEndpoint> Imap => All.Where(e => e.Protocol == "imap");

    public IEnumerable<ClientEndpoint> Pop3 => All.Where(e => e.Protocol == "pop3");

    public IEnumerable<ClientEndpoint> Smtp => All.Where(e => e.Protocol == "smtp");

    /// <summary>The endpoint of a listener name (<c>imaps</c>…), or null when it is not offered.</summary>
    public ClientEndpoint? ForListener(string listener)
    {
        var match = Preference.FirstOrDefault(p => p.Listener == listener);
        return match.Listener is null ? null : All.FirstOrDefault(e => e.Protocol == match.Protocol && e.ImplicitTls == match.ImplicitTls);
    }

    /// <param name="listeners">Listener names (<c>imaps</c>, <c>submission</c>…) with their ports, as bound or as configured.</param>
    public static ClientServices From(string host, IEnumerable<(string Listener, int Port)> listeners)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        var byName = listeners.Where(l => l.Port > 0).GroupBy(l => l.Listener.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First().Port);
        var endpoints = Preference
            .Where(p => byName.ContainsKey(p.Listener))
            .Select(p => new ClientEndpoint(p.Protocol, host, byName[p.Listener], p.ImplicitTls))
            .ToList();
        return new ClientServices(host, endpoints);
    }

    /// <summary>From the server's bound listeners and <c>Web:PublicHostName</c> (else the server's name).</summary>
    public static ClientServices From(ServerInfo server, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        return From(options.PublicHostName?.Trim() ?? server.HostName, server.Listeners.Select(l => (l.Protocol, l.Endpoint.Port)));
    }
}
