using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;

namespace Interchange.Transport.Queue;

/// <summary>
/// The durable accept (ARCHITECTURE.md section 3, step 2): the protocol streams the message into
/// a content writer; committing records message and recipients in one queue transaction, with
/// the content itself when it is at most <c>inlineMessageSize</c> bytes (one fsync: the commit's),
/// else after fsyncing it as a file blob. Only when <see cref="CommitAsync"/> returns may the
/// client be told 250.
/// </summary>
public sealed class MessageAcceptor(IBlobStore blobs, IQueueStore queue, QueueSignal categorizer, TimeProvider? clock = null, int inlineMessageSize = MessageAcceptor.DefaultInlineMessageSize)
{
    /// <summary>The default of <c>Storage:InlineMessageSize</c>.</summary>
    public const int DefaultInlineMessageSize = SpillingContentWriter.DefaultInlineLimit;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IBlobWriter BeginMessage() => new SpillingContentWriter(blobs, inlineMessageSize);

    /// <summary>Makes the message durable and queues it; returns its queue id.</summary>
    public Task<long> CommitAsync(IBlobWriter content, Envelope envelope, CancellationToken cancellationToken) =>
        CommitAsync(content, envelope, null, cancellationToken);

    /// <summary>
    /// Makes the message durable and queues it with its <paramref name="structure"/> (parsed as it
    /// streamed in, offsets relative to the blob), kept in the queue's transaction so that no
    /// reader parses the message again; returns its queue id.
    /// </summary>
    /// <param name="listener">Where the message came in (<c>smtp</c>, <c>submission</c>, <c>gateway</c>…), the tag of <c>interchange.messages.accepted</c>.</param>
    public async Task<long> CommitAsync(IBlobWriter content, Envelope envelope, MessageStructure? structure, CancellationToken cancellationToken, string listener = "other")
    {
        ArgumentNullException.ThrowIfNull(content);
        var staged = content is SpillingContentWriter spilling
            ? await spilling.StageAsync(cancellationToken).ConfigureAwait(false)
            : new StagedContent(await content.CommitAsync(cancellationToken).ConfigureAwait(false), null);
        var stored = structure is null ? null : new StoredStructure(staged.Ref.Id, structure.Envelope.MessageId, (int)structure.LimitsHit, StructureCodec.Encode(structure));
        var id = await queue.EnqueueAsync(staged, envelope, _clock.GetUtcNow(), stored, cancellationToken).ConfigureAwait(false);
        categorizer.Pulse();
        TransportMetrics.MessagesAccepted.Add(1, new KeyValuePair<string, object?>("listener", listener));
        return id;
    }
}
