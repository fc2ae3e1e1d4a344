using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// Message content on the embedded store: small messages inline in <c>message_contents</c>
/// (written in the queue transaction that accepted them, named by their SHA-256 like a blob, and
/// referenced, never copied, by the queue and mailbox rows), larger ones as file blobs.
/// </summary>
public sealed class SqliteContentStore(SqliteDatabase database, IBlobStore files) : IMessageContentStore
{
    /// <summary>
    /// No content longer than this is ever kept inline (the bound of <c>Storage:InlineMessageSize</c>),
    /// so a longer one is opened as a file without asking the database.
    /// </summary>
    public const int MaxInlineSize = 1024 * 1024;

    public MessageContent Open(BlobRef content) =>
        content.Length > MaxInlineSize ? new BlobContent(files, content) : new Resolving(this, content);

    /// <summary>Writes inline content in the caller's transaction; the same bytes stored already are kept once.</summary>
    internal static void Insert(SqliteWriteContext w, BlobId id, byte[] bytes) =>
        w.Execute("INSERT INTO message_contents(id, data) VALUES (@id, @bytes) ON CONFLICT(id) DO NOTHING", new { id = id.Hex, bytes });

    /// <summary>The file blobs this store reads large content from (and the collector deletes).</summary>
    internal IBlobStore Files => files;

    /// <summary>
    /// Refuses, in the transaction about to add a reference, content that is not there: written
    /// as a file before the transaction (a file the same bytes already had, reused), it may have
    /// been taken by the collector since, which decides in a transaction of its own that finds no
    /// reference. The two transactions are ordered, so either this one sees the content gone and
    /// the client is told to retry, or the collector sees this reference and keeps the content.
    /// </summary>
    internal void RequirePresent(SqliteWriteContext w, BlobRef content)
    {
        // The file first: callers pass content that was staged as a file, so the common case costs
        // a stat and no query on the writer; only a missing file asks whether the bytes are inline.
        if (files.Exists(content.Id))
        {
            return;
        }

        if (content.Length > MaxInlineSize
            || w.ExecuteScalar<long>("SELECT count(*) FROM message_contents WHERE id = @id", new { id = content.Id.Hex }) == 0)
        {
            throw new StoreException($"content {content.Id} was reclaimed before it could be referenced; try again") { IsUnavailable = true };
        }
    }

    private async ValueTask<MessageContent> ResolveAsync(BlobRef content, CancellationToken cancellationToken)
    {
        var bytes = await database.ReadAsync(c => c.QuerySingleOrDefault<byte[]>("SELECT data FROM message_contents WHERE id = @id", new { id = content.Id.Hex }), cancellationToken).ConfigureAwait(false);
        return bytes is null ? new BlobContent(files, content) : new BytesContent(bytes);
    }

    /// <summary>Content that may be inline: asks the database on first read, then reads from what it found.</summary>
    private sealed class Resolving(SqliteContentStore store, BlobRef content) : MessageContent
    {
        private MessageContent? _resolved;

        public override long Length => content.Length;

        public override async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _resolved ??= await store.ResolveAsync(content, cancellationToken).ConfigureAwait(false);
            return await _resolved.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
        }

        public override int Read(long offset, Span<byte> buffer)
        {
            _resolved ??= store.ResolveAsync(content, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return _resolved.Read(offset, buffer);
        }

        // Each range resolves on its own first read: ranges stay independent of one another.
        public override Stream OpenRange(long offset, long length)
        {
            CheckRange(offset, length);
            return _resolved?.OpenRange(offset, length) ?? new ContentRangeStream(new Resolving(store, content), offset, length, ownsContent: true);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _resolved?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
