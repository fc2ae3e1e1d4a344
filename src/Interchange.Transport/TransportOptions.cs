namespace Interchange.Transport;

/// <summary>Transport settings (<c>Transport</c> section); the host adds the SMTP connector's (<c>Transport:Smtp</c>), which live with the SMTP code.</summary>
public class TransportOptions
{
    /// <summary>Workers turning accepted messages into deliveries.</summary>
    public int CategorizerWorkers { get; set; } = 2;

    /// <summary>Workers of the local connector; deliveries are partitioned among them by destination mailbox.</summary>
    public int LocalDeliveryWorkers { get; set; } = 4;

    /// <summary>Items one worker claims at a time.</summary>
    public int ClaimBatch { get; set; } = 16;

    /// <summary>How often an idle worker looks for work nobody pulsed about (retries, lapsed leases).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delays between attempts of a failing local delivery; after the last, it fails for good.</summary>
    public TimeSpan[] RetrySchedule { get; set; } =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(4)];

    // Retries of remote delivery and bounces (Bounces/RetrySchedule, Bounces/DsnBuilder); the
    // defaults are Postfix's (minimal_backoff_time, maximal_backoff_time, maximal_queue_lifetime).

    /// <summary>Wait after the first failed attempt; it doubles with each further failure.</summary>
    public TimeSpan MinimalBackoff { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaximalBackoff { get; set; } = TimeSpan.FromSeconds(4000);

    /// <summary>How long a message is retried before its recipients expire and bounce (4.4.7); zero: bounce at the first temporary failure.</summary>
    public TimeSpan MaximalQueueLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>The same for DSNs themselves (null reverse-path): after it, an undeliverable DSN is dropped and logged.</summary>
    public TimeSpan BounceQueueLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Age at which the sender gets one "delayed" DSN; null: never (as Postfix's default).</summary>
    public TimeSpan? DelayWarningAfter { get; set; }

    /// <summary>Each wait is spread by up to this fraction either way, so that mail deferred together is not retried together.</summary>
    public double RetryJitter { get; set; } = 0.1;

    /// <summary>Workers of the bounce step (Bounces/BounceGenerator), turning failed deliveries into DSNs; they may race, the store lets one report win.</summary>
    public int BounceWorkers { get; set; } = 1;

    /// <summary>Most bytes of the original a DSN carries; a larger original comes back as its header only.</summary>
    public int DsnReturnLimit { get; set; } = 100 * 1024;

    /// <summary>The DNS resolver of outbound delivery (<c>Transport:Dns</c>).</summary>
    public Dns.DnsOptions Dns { get; set; } = new();

    /// <summary>How a domain's MX hosts become delivery targets (<c>Transport:Mx</c>).</summary>
    public Dns.MxResolverOptions Mx { get; set; } = new();

    /// <summary>Routes from configuration, merged with the stored ones (a stored route with the same key wins).</summary>
    public Routing.ConfiguredRoute[] Routes { get; set; } = [];

    /// <summary>How often the queue is counted for the metrics' gauges (depth, pending, oldest age).</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gateways to foreign mail systems that exchange files (<c>Transport:Gateways</c>): each a connector by its name, with a drop folder, a pickup folder or both.</summary>
    public Gateway.GatewayOptions[] Gateways { get; set; } = [];

    /// <summary>This server's name in the queue's claims ("node/connector/worker"): claims left by an earlier run under it are released at start. Unique per server sharing one store; default: the machine's name.</summary>
    public string? NodeName { get; set; }

    /// <summary>How often the routing table is read again when no change was announced (the admin CLI's changes).</summary>
    public TimeSpan RoutePollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
