using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
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
    public Task<long> CommitAsync(IBlobWriter content, Envelope envelope, CancellationToken cancellationToken) =>
        CommitAsync(content, envelope, null, cancellationToken);

    /// <summary>
    /// Makes the message durable and queues it with its <paramref name="structure"/> (parsed as it
    /// streamed in, offsets relative to the blob), kept in the queue's transaction so that no
    /// reader parses the message again; returns its queue id.
    /// </summary>
    public async Task<long> CommitAsync(IBlobWriter content, Envelope envelope, MessageStructure? structure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var blob = await content.CommitAsync(cancellationToken).ConfigureAwait(false);
        var stored = structure is null ? null : new StoredStructure(blob.Id, structure.Envelope.MessageId, (int)structure.LimitsHit, StructureCodec.Encode(structure));
        var id = await queue.EnqueueAsync(blob, envelope, _clock.GetUtcNow(), stored, cancellationToken).ConfigureAwait(false);
        categorizer.Pulse();
        return id;
    }
}
