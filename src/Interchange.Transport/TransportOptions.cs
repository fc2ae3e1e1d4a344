namespace Interchange.Transport;

/// <summary>Transport settings (<c>Transport</c> section).</summary>
public sealed class TransportOptions
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

    /// <summary>The DNS resolver of outbound delivery (<c>Transport:Dns</c>).</summary>
    public Dns.DnsOptions Dns { get; set; } = new();

    /// <summary>How a domain's MX hosts become delivery targets (<c>Transport:Mx</c>).</summary>
    public Dns.MxResolverOptions Mx { get; set; } = new();
}
