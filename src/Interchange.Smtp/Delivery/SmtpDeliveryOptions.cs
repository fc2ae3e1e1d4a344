using Interchange.Smtp.Client;
using Interchange.Smtp.Delivery.Security;

namespace Interchange.Smtp.Delivery;

/// <summary>
/// How the SMTP connector delivers (<c>Transport:Smtp</c>): the client's settings it inherits
/// (<see cref="SmtpClientOptions"/>: EHLO name, timeouts, TLS) and how outbound work is scheduled. The concurrency numbers are Postfix's
/// (<c>initial_destination_concurrency</c> 5, <c>default_destination_concurrency_limit</c> 20).
/// </summary>
public sealed class SmtpDeliveryOptions : SmtpClientOptions
{
    /// <summary>Attempts under way at once over all destinations.</summary>
    public int Workers { get; set; } = 32;

    /// <summary>Connections to one destination (a domain, or a smart host) at first; each success widens it.</summary>
    public int InitialDestinationConcurrency { get; set; } = 5;

    /// <summary>Connections to one destination at most.</summary>
    public int DestinationConcurrencyLimit { get; set; } = 20;

    /// <summary>How long a destination none of whose hosts answered is left alone: its mail is deferred without trying (Postfix's dead destination).</summary>
    public TimeSpan DeadDestinationTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an attempt owns its recipients before another worker may take them; renewed while it runs.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an idle connection is kept for the next message to the same destination (Postfix's <c>smtp_connection_cache_time_limit</c>); zero: never reused.</summary>
    public TimeSpan ConnectionCacheTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Transactions on one connection at most before it is closed (Postfix's <c>smtp_connection_reuse_count_limit</c> is unlimited; a bound keeps one bad connection from living for ever).</summary>
    public int MaxTransactionsPerConnection { get; set; } = 100;

    /// <summary>
    /// AUTH credentials per smart host (Postfix's <c>smtp_sasl_password_maps</c>), each naming the
    /// smart host as routes write it (<c>relay.example.net:587</c>, <c>[192.0.2.1]:587</c>). A list,
    /// not a map: configuration keys cannot hold the ':' of a port.
    /// </summary>
    public SmtpRelayCredentials[] RelayCredentials { get; set; } = [];

    /// <summary>MTA-STS (RFC 8461) for delivery by MX (<c>Transport:Smtp:MtaSts</c>).</summary>
    public MtaStsOptions MtaSts { get; set; } = new();

    /// <summary>DANE (RFC 7672) for delivery by MX (<c>Transport:Smtp:Dane</c>); needs <c>Transport:Dns:DnssecResolver</c>.</summary>
    public DaneOptions Dane { get; set; } = new();

    /// <summary>The login for <paramref name="smartHost"/> (as <c>SmartHost.ToString()</c> writes it), or null.</summary>
    public SmtpRelayCredentials? CredentialsFor(string smartHost) =>
        RelayCredentials.FirstOrDefault(c => string.Equals(Transport.Routing.SmartHost.TryParse(c.SmartHost, out var host, out _) ? host.ToString() : c.SmartHost, smartHost, StringComparison.OrdinalIgnoreCase));
}
