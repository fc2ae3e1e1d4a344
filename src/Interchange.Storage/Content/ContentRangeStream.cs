namespace Interchange.Storage.Content;

/// <summary>A read-only, seekable view of a range of a <see cref="MessageContent"/>, read through its positional reads.</summary>
internal sealed class ContentRangeStream(MessageContent content, long start, long length, bool ownsContent = false) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // Synchronous callers exist (a parser over a stream).
        var left = length - _position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        var read = content.Read(start + _position, buffer[..(int)Math.Min(Math.Min(buffer.Length, left), 81920)]);
        if (read == 0)
        {
            throw new EndOfStreamException($"the content ended at {start + _position} of {content.Length} bytes");
        }

        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var left = length - _position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        var read = await content.ReadAsync(start + _position, buffer[..(int)Math.Min(buffer.Length, left)], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new EndOfStreamException($"the content ended at {start + _position} of {content.Length} bytes");
        }

        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsContent)
        {
            content.Dispose();
        }

        base.Dispose(disposing);
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
