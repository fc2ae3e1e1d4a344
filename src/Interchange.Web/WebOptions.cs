namespace Interchange.Web;

/// <summary>The admin API, the web console and the other pages of the <c>http</c>/<c>https</c> listeners (<c>Web</c> in the configuration).</summary>
public sealed class WebOptions
{
    /// <summary>How long a console sign-in lasts without use (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// The console and the API answer only over HTTPS, except from loopback (a browser on the
    /// server itself, the tests); set false only behind a proxy that terminates TLS.
    /// </summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>The admin API's limits (<c>Web:Api</c>).</summary>
    public Api.ApiOptions Api { get; set; } = new();

    /// <summary>The web console's limits (import size, page sizes).</summary>
    public WebConsole.ConsoleOptions Console { get; set; } = new();

    /// <summary>
    /// Networks (CIDR) whose clients may scrape <c>/metrics</c>; null (unset): loopback only
    /// (<c>127.0.0.0/8</c>, <c>::1/128</c>). Others get 403.
    /// </summary>
    public IReadOnlyList<string>? MetricsAllowedNetworks { get; set; }

    /// <summary>How long <c>/readyz</c> waits for its write probe before answering 503.</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The host name mail clients are told to connect to (autoconfig, Autodiscover, Apple profiles,
    /// the SRV records of <c>interchange domain show</c>); null: the server's host name.
    /// </summary>
    public string? PublicHostName { get; set; }

    /// <summary>Problems with these options, for the host's configuration check.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(Observability.MetricsAccess.Validate(MetricsAllowedNetworks));
        if (ReadinessTimeout <= TimeSpan.Zero || ReadinessTimeout > TimeSpan.FromMinutes(1))
        {
            problems.Add("Web:ReadinessTimeout must be between 0 and 1 minute");
        }

        if (PublicHostName is { } host && Uri.CheckHostName(host.Trim()) != UriHostNameType.Dns)
        {
            problems.Add($"Web:PublicHostName: '{host}' is not a DNS host name");
        }

        return problems;
    }
}
