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

    /// <summary>
    /// Drops inline content once no queue entry and no mailbox message names it, in the
    /// transaction that removed the last reference. (File blobs are left to the blob collector.)
    /// </summary>
    internal static void ReleaseIfUnreferenced(SqliteWriteContext w, string id)
    {
        // The structure kept for an inline content goes with it (a file blob's stays until the
        // blob collector takes both).
        if (w.Execute("""
            DELETE FROM message_contents WHERE id = @id
            AND NOT EXISTS (SELECT 1 FROM queue_messages WHERE blob = @id)
            AND NOT EXISTS (SELECT 1 FROM messages WHERE blob = @id)
            """, new { id }) > 0)
        {
            w.Execute("DELETE FROM message_structures WHERE blob = @id", new { id });
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
