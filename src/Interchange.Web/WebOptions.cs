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

    /// <summary>The web console's limits (import size, page sizes).</summary>
    public WebConsole.ConsoleOptions Console { get; set; } = new();
}
