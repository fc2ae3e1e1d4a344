namespace Interchange.Web.Api.Contracts;

internal sealed record RouteView(string AddressSpace, string Connector, int Cost, string? SmartHost, string? Tls, string? Gateway, string Source, string Description);

internal sealed record CreateRouteRequest(string? AddressSpace, string? Connector, int? Cost, string? SmartHost, string? Tls, string? Gateway);

internal sealed record RoutesRemoved(int Removed);

internal sealed record QueueRecipientView(string Recipient, string Original, string? Connector, string State, int Attempts, string? LastReply, DateTimeOffset? NextAttempt, DateTimeOffset? LastAttempt, string? Owner);

internal sealed record QueueEntryView(long Id, DateTimeOffset ReceivedAt, long Size, string Sender, string Client, string? AuthenticatedUser, string? HoldReason, IReadOnlyList<QueueRecipientView> Recipients);

/// <summary>What a queue action did: how many recipients it changed.</summary>
internal sealed record QueueActionResult(string Action, int Changed);

internal sealed record DnsRecordView(string Name, string Type, string Value, IReadOnlyList<string> Strings, string ZoneLine);

/// <summary>A DKIM key: its public part and the TXT record to publish; never the private key.</summary>
internal sealed record DkimKeyView(string Domain, string Selector, string Algorithm, int Bits, DateTimeOffset Created, bool Active, string PublicKey, DnsRecordView Record);

internal sealed record SessionView(string Id, string Protocol, string Client, string? User, DateTimeOffset Since);

internal sealed record SessionsEnded(int Ended);

internal sealed record ListenerView(string Protocol, string Address, int Port, bool ImplicitTls);

internal sealed record QueueStatusView(int Depth, int NewMessages, int PendingDeliveries, int FailedDeliveries, IReadOnlyDictionary<string, int> PendingByConnector, DateTimeOffset? OldestReceivedAt, double? OldestAgeSeconds);

internal sealed record StoreStatusView(string Provider, bool Healthy, int SchemaVersion, string? Problem);

internal sealed record StatusView(string Version, string HostName, DateTimeOffset StartedAt, double UptimeSeconds, IReadOnlyList<ListenerView> Listeners, QueueStatusView Queue, IReadOnlyDictionary<string, int> Sessions, StoreStatusView Store);

internal sealed record TokenView(string Id, string User, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);

/// <summary>A new token: <c>Token</c> is the secret, shown this once and never again.</summary>
internal sealed record CreatedTokenView(string Id, string User, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, string Token);

/// <summary><c>User</c>: whose token (an administrator may name anyone; default: the caller). Expiry: an instant, or a number of days.</summary>
internal sealed record CreateTokenRequest(string? User, string? Name, DateTimeOffset? ExpiresAt, int? ExpiresInDays);

/// <summary>One page of a list: <c>Next</c> is the URL of the next page (also in the Link header), null on the last.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, string? Cursor, string? Next)
{
    public Page<TView> Map<TView>(Func<T, TView> view) => new([.. Items.Select(view)], Cursor, Next);
}
