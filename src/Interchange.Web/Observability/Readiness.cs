using Interchange.Storage;
using Microsoft.Extensions.Logging;

namespace Interchange.Web.Observability;

/// <summary>
/// The readiness check behind <c>/readyz</c>: every listener is bound (<see cref="ServerInfo.ListenersBound"/>)
/// and the store takes a real write through its writer (<see cref="IStoreBackend.ProbeWriteAsync"/>)
/// within <c>Web:ReadinessTimeout</c>. A blocked writer, a lock held by another process or a
/// failed writer all show as "not ready" within the bound; the reason goes to the caller in
/// general words and to the log in detail.
/// </summary>
public sealed class Readiness(IStoreBackend store, ServerInfo server, WebOptions options, ILogger<Readiness> logger)
{
    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (!server.ListenersBound)
        {
            return new ReadinessResult(false, "listeners not bound yet");
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.ReadinessTimeout);
        try
        {
            // Cancelled while still queued, the probe is dropped unwritten; WaitAsync bounds the
            // wait even when the writer is inside a batch that does not end.
            await store.ProbeWriteAsync(bound.Token).WaitAsync(options.ReadinessTimeout, cancellationToken).ConfigureAwait(false);
            return new ReadinessResult(true, null);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning("Readiness: the store's write probe did not finish within {Seconds:F1} s (writer blocked or the database locked)", options.ReadinessTimeout.TotalSeconds);
            return new ReadinessResult(false, "store not writable: the write probe timed out");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A read-only file, a full disk, a failed writer: all "not writable" to the caller.
            logger.LogWarning(ex, "Readiness: the store refused the write probe");
            return new ReadinessResult(false, ex is StoreException { IsUnavailable: true } ? "store unavailable" : "store not writable");
        }
    }
}
