namespace Interchange.Storage.Content;

/// <summary>
/// The bytes of a stored message, however they are kept (a file blob behind the trace fields
/// added at delivery, or bytes inline in the database): its length, positional reads, and
/// read-only streams over any range. Readers (FETCH, SEARCH, POP3, the categorizer, the CLI)
/// never buffer it whole: a 45 MB message is read a buffer at a time.
/// </summary>
/// <remarks>Positional reads of one instance are not concurrent; streams from <see cref="OpenRange"/> are independent.</remarks>
public abstract class MessageContent : IAsyncDisposable, IDisposable
{
    public abstract long Length { get; }

    /// <summary>
    /// Reads bytes from <paramref name="offset"/> into <paramref name="buffer"/>; returns how many
    /// (0 only at the end). Throws <see cref="FileNotFoundException"/> when the content is gone.
    /// </summary>
    public abstract ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>
    /// The synchronous form of <see cref="ReadAsync"/>, for parsers that read a stream
    /// synchronously; kinds that can read without waiting on a task override it.
    /// </summary>
    public virtual int Read(long offset, Span<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(offset, rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// False when the content is gone (taken by the collector after its grace, while a session
    /// still showed the message): a reader asks before it commits to a response it cannot finish.
    /// </summary>
    public virtual async ValueTask<bool> IsAvailableAsync(CancellationToken cancellationToken = default)
    {
        if (Length == 0)
        {
            return true;
        }

        try
        {
            // The last byte: for content behind a prefix that is the stored body, not the prefix.
            await ReadAsync(Length - 1, new byte[1], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A read-only stream over <paramref name="length"/> bytes from <paramref name="offset"/>, independent of other streams.</summary>
    public virtual Stream OpenRange(long offset, long length)
    {
        CheckRange(offset, length);
        return new ContentRangeStream(this, offset, length);
    }

    /// <summary>The whole content as a stream.</summary>
    public Stream OpenRead() => OpenRange(0, Length);

    public ValueTask DisposeAsync()
    {
        Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    protected void CheckRange(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Length);
    }
}
