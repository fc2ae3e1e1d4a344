using Interchange.Storage.Blobs;
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
    public const int DefaultInlineMessageSize = 64 * 1024;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IBlobWriter BeginMessage() => new SpillingContentWriter(blobs, inlineMessageSize);

    /// <summary>Makes the message durable and queues it; returns its queue id.</summary>
    public async Task<long> CommitAsync(IBlobWriter content, Envelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var staged = content is SpillingContentWriter spilling
            ? await spilling.StageAsync(cancellationToken).ConfigureAwait(false)
            : new StagedContent(await content.CommitAsync(cancellationToken).ConfigureAwait(false), null);
        var id = await queue.EnqueueAsync(staged, envelope, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        categorizer.Pulse();
        return id;
    }
}
