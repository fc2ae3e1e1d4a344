namespace Interchange.Storage.Blobs;

/// <summary>
/// Immutable, content-addressed message bodies (ARCHITECTURE.md section 5). A blob is durable
/// when <see cref="WriteAsync"/> returns; writing the same bytes twice stores them once.
/// </summary>
public interface IBlobStore
{
    /// <summary>Streams <paramref name="content"/> to durable storage while hashing it; never buffers it whole.</summary>
    Task<BlobRef> WriteAsync(Stream content, CancellationToken cancellationToken = default);

    /// <summary>Starts a blob whose bytes the caller pushes in; see <see cref="IBlobWriter"/>.</summary>
    IBlobWriter BeginWrite();

    /// <summary>Opens a stored blob for reading; throws <see cref="FileNotFoundException"/> if absent.</summary>
    Stream OpenRead(BlobId id);

    bool Exists(BlobId id);

    /// <summary>
    /// Deletes a blob (the content collector's, for blobs nothing refers to). Returns false if
    /// absent. Not made durable: a deletion a crash undoes leaves an unreferenced file, which
    /// <see cref="Enumerate"/> lets the collector find again.
    /// </summary>
    bool Delete(BlobId id);

    /// <summary>Every stored blob with when it was last written (or rewritten with the same bytes).</summary>
    IEnumerable<StoredBlob> Enumerate();
}
