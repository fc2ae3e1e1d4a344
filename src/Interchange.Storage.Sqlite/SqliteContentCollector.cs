using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// Reclaims content on the embedded store. References are the <c>blob</c> columns of
/// <c>queue_messages</c> and <c>messages</c>; triggers record every removal of one in
/// <c>content_releases</c> (migration 10), whatever path removed it. A pass stamps new releases
/// with this collector's clock, then takes those past the grace, each in the writer's
/// transaction: the release row is taken first (if it was released again since, it is left for
/// its new grace), the references are looked for, and only if there are none are the inline row,
/// the structure and the file deleted. Adding a reference goes through the same writer and
/// checks the content is there (<see cref="SqliteContentStore.RequirePresent"/>), so the two are
/// ordered and neither can miss the other. Under PostgreSQL the taking transaction would lock the
/// release row and the referencing one would check with the file's row locked the same way.
/// </summary>
public sealed class SqliteContentCollector(SqliteDatabase database, IBlobStore files, ContentCollectionOptions? options = null, TimeProvider? clock = null) : IContentCollector
{
    private readonly ContentCollectionOptions _options = options ?? new ContentCollectionOptions();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<ContentCollection> CollectAsync(CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();

        // Redoable: a stamp lost in a crash is stamped again later, which only lengthens the grace.
        await database.Writer.WriteRedoableAsync(w => w.Execute("UPDATE content_releases SET released_at = @now WHERE released_at IS NULL", new { now }), cancellationToken).ConfigureAwait(false);

        var cutoff = now - (long)_options.Grace.TotalMilliseconds;
        var batch = Math.Max(1, _options.Batch);
        var total = ContentCollection.None;
        while (true)
        {
            var due = await database.ReadAsync(
                c => c.Query<string>("SELECT id FROM content_releases WHERE released_at <= @cutoff ORDER BY released_at LIMIT @batch", new { cutoff, batch }).AsList(),
                cancellationToken).ConfigureAwait(false);
            if (due.Count == 0)
            {
                return total;
            }

            // Redoable too: if the commit is lost, the rows come back released, and what they
            // name is either still there (taken again) or already gone (the row alone is dropped).
            total += await database.Writer.WriteRedoableAsync(w => Take(w, due, cutoff), cancellationToken).ConfigureAwait(false);
            if (due.Count < batch)
            {
                return total;
            }
        }
    }

    public async Task<int> FindOrphansAsync(CancellationToken cancellationToken = default)
    {
        var olderThan = _clock.GetUtcNow() - _options.Grace;

        // Inline rows and structures nothing refers to (no trigger saw their last reference go
        // when there never was one: a structure saved for an append that then failed).
        var found = await database.Writer.WriteRedoableAsync(w => w.Execute("""
            INSERT INTO content_releases(id, released_at)
                SELECT id, NULL FROM (SELECT id FROM message_contents UNION SELECT blob FROM message_structures) c
                WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.blob = c.id)
                AND NOT EXISTS (SELECT 1 FROM queue_messages q WHERE q.blob = c.id)
                ON CONFLICT(id) DO NOTHING
            """), cancellationToken).ConfigureAwait(false);

        // Files, a chunk at a time: the references are read on a reader, and only the
        // unreferenced are written (the collector looks again before it takes anything).
        var chunk = new List<string>(500);
        foreach (var blob in files.Enumerate())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (blob.Written < olderThan)
            {
                chunk.Add(blob.Id.Hex);
                if (chunk.Count == 500)
                {
                    found += await NominateAsync(chunk, cancellationToken).ConfigureAwait(false);
                    chunk.Clear();
                }
            }
        }

        return found + await NominateAsync(chunk, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> NominateAsync(List<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        var referenced = await database.ReadAsync(
            c => c.Query<string>("SELECT blob FROM messages WHERE blob IN @ids UNION SELECT blob FROM queue_messages WHERE blob IN @ids UNION SELECT id FROM content_releases WHERE id IN @ids", new { ids }).ToHashSet(StringComparer.Ordinal),
            cancellationToken).ConfigureAwait(false);
        var orphans = ids.Where(id => !referenced.Contains(id)).ToList();
        if (orphans.Count == 0)
        {
            return 0;
        }

        return await database.Writer.WriteRedoableAsync(
            w => orphans.Sum(id => w.Execute("INSERT INTO content_releases(id, released_at) VALUES (@id, NULL) ON CONFLICT(id) DO NOTHING", new { id })),
            cancellationToken).ConfigureAwait(false);
    }

    private ContentCollection Take(SqliteWriteContext w, IReadOnlyList<string> due, long cutoff)
    {
        int reclaimed = 0, kept = 0, examined = 0;
        foreach (var id in due)
        {
            if (w.Execute("DELETE FROM content_releases WHERE id = @id AND released_at <= @cutoff", new { id, cutoff }) == 0)
            {
                continue; // released again since it was read: it waits for its new grace
            }

            examined++;
            if (w.ExecuteScalar<long>("SELECT EXISTS (SELECT 1 FROM messages WHERE blob = @id) OR EXISTS (SELECT 1 FROM queue_messages WHERE blob = @id)", new { id }) != 0)
            {
                kept++;
                continue;
            }

            var inline = w.Execute("DELETE FROM message_contents WHERE id = @id", new { id });
            w.Execute("DELETE FROM message_structures WHERE blob = @id", new { id });

            // The file goes inside the transaction: a reference added after this commit finds it
            // missing and is refused. If the commit then fails, the release row comes back with
            // nothing to take but itself.
            var file = BlobId.TryParse(id, out var blobId) && files.Delete(blobId);
            if (inline > 0 || file)
            {
                reclaimed++;
            }
        }

        return new ContentCollection(examined, reclaimed, kept);
    }
}
