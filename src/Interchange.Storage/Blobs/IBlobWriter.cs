namespace Interchange.Storage.Blobs;

/// <summary>
/// A blob being written: bytes are pushed in as they arrive (an SMTP DATA phase, say) and
/// hashed on the way. <see cref="CommitAsync"/> makes it durable and returns its id; disposing
/// an uncommitted writer discards everything written.
/// </summary>
public interface IBlobWriter : IAsyncDisposable
{
    /// <summary>Bytes written so far.</summary>
    long Length { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>fsyncs the content, names it by its hash, fsyncs the directory; then it is durable.</summary>
    Task<BlobRef> CommitAsync(CancellationToken cancellationToken = default);
}
