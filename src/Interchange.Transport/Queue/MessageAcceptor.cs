using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;

namespace Interchange.Transport.Queue;

/// <summary>
/// The durable accept (ARCHITECTURE.md section 3, step 2): the protocol streams the message into
/// a blob writer; committing fsyncs the blob and records message and recipients in one queue
/// transaction. Only when <see cref="CommitAsync"/> returns may the client be told 250.
/// </summary>
public sealed class MessageAcceptor(IBlobStore blobs, IQueueStore queue, QueueSignal categorizer, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IBlobWriter BeginMessage() => blobs.BeginWrite();

    /// <summary>Makes the message durable and queues it; returns its queue id.</summary>
    public async Task<long> CommitAsync(IBlobWriter content, Envelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var blob = await content.CommitAsync(cancellationToken).ConfigureAwait(false);
        var id = await queue.EnqueueAsync(blob, envelope, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        categorizer.Pulse();
        return id;
    }
}
