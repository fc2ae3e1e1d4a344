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

    /// <summary>Deletes a blob (garbage collection of unreferenced blobs only). Returns false if absent.</summary>
    bool Delete(BlobId id);
}
