using Interchange.Storage.Queue;

namespace Interchange.Transport.Connectors;

/// <summary>
/// What a remote connector's attempt did for one claimed item, before the retry schedule: a
/// <see cref="DeliveryOutcomeKind.Deferred"/> result becomes a retry time or, past the message's
/// lifetime, an expiry (<see cref="ClaimingConnector"/> decides).
/// </summary>
/// <param name="Reply">The remote reply, or what the connector learnt instead ("4.4.1 connect to ... failed"); starts with a reply code or an enhanced status code.</param>
/// <param name="RemoteMta">The host that answered ("mx.example.net[192.0.2.1]"), for the log and the DSN's Remote-MTA; null when none did.</param>
public sealed record AttemptResult(DeliveryItem Item, DeliveryOutcomeKind Kind, string Reply, string? RemoteMta = null)
{
    /// <summary>For a deferral that was not a real try (a destination known dead): when to look again, instead of the retry schedule's next step.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>How the connection to the peer was secured, for the delivery line (the SMTP connector's TLS policy and outcome); null when there is nothing to say.</summary>
    public string? Tls { get; init; }

    public static AttemptResult Delivered(DeliveryItem item, string reply, string? remoteMta = null) => new(item, DeliveryOutcomeKind.Delivered, reply, remoteMta);

    public static AttemptResult Deferred(DeliveryItem item, string reply, string? remoteMta = null) => new(item, DeliveryOutcomeKind.Deferred, reply, remoteMta);

    public static AttemptResult Failed(DeliveryItem item, string reply, string? remoteMta = null) => new(item, DeliveryOutcomeKind.Failed, reply, remoteMta);
}
