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

    /// <summary>Routes from configuration, merged with the stored ones (a stored route with the same key wins).</summary>
    public Routing.ConfiguredRoute[] Routes { get; set; } = [];

    /// <summary>How often the routing table is read again when no change was announced (the admin CLI's changes).</summary>
    public TimeSpan RoutePollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
