namespace Interchange.Storage.Content;

/// <summary>Content held in memory: a message kept inline in the database (small by construction), or a test's bytes.</summary>
public sealed class BytesContent(ReadOnlyMemory<byte> bytes) : MessageContent
{
    public override long Length => bytes.Length;

    public override ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= bytes.Length)
        {
            return ValueTask.FromResult(0);
        }

        var take = (int)Math.Min(buffer.Length, bytes.Length - offset);
        bytes.Span.Slice((int)offset, take).CopyTo(buffer.Span);
        return ValueTask.FromResult(take);
    }

    public override int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= bytes.Length)
        {
            return 0;
        }

        var take = (int)Math.Min(buffer.Length, bytes.Length - offset);
        bytes.Span.Slice((int)offset, take).CopyTo(buffer);
        return take;
    }

    public override Stream OpenRange(long offset, long length)
    {
        CheckRange(offset, length);
        return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var array)
            ? new MemoryStream(array.Array!, array.Offset + (int)offset, (int)length, writable: false)
            : base.OpenRange(offset, length);
    }
}
