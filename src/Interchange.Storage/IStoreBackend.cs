using Interchange.Storage.Accounts;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;

namespace Interchange.Storage;

/// <summary>
/// One opened store: the three stores over one database, as a backend provides them. The host
/// opens the backend that configuration names (<c>Storage:Provider</c>) and hands the contracts
/// on; nothing else knows which backend it is.
/// </summary>
public interface IStoreBackend : IAsyncDisposable
{
    /// <summary>The provider's name as configuration spells it (<c>sqlite</c>).</summary>
    string Provider { get; }

    IDirectoryStore Directory { get; }

    IMailStore Mail { get; }

    IQueueStore Queue { get; }

    /// <summary>The routing table's stored entries.</summary>
    Routing.IRouteStore Routes { get; }

    /// <summary>Reads message content wherever this backend keeps it: inline, or in the file blobs it was opened with.</summary>
    Content.IMessageContentStore Contents { get; }

    /// <summary>The collector of content nothing refers to any more (the host runs it in a loop).</summary>
    Content.IContentCollector CreateCollector(Content.ContentCollectionOptions options, TimeProvider? clock = null);

    /// <summary>Whether the store can be read and written now, for the health endpoint.</summary>
    ValueTask<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits one small real write through the store's writer (the readiness probe): completes
    /// when it is durable, faults when the store refuses it, and is cancelled (never started) when
    /// <paramref name="cancellationToken"/> fires first, so the caller bounds it.
    /// </summary>
    Task ProbeWriteAsync(CancellationToken cancellationToken = default);
}

/// <param name="Healthy">True when reads succeed and writes can be committed.</param>
/// <param name="SchemaVersion">The schema version the store is at.</param>
/// <param name="Problem">Why it is not healthy, for the log (not for HTTP callers).</param>
public sealed record StoreHealth(bool Healthy, int SchemaVersion, string? Problem = null);
