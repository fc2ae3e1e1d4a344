namespace Interchange.Mime.Encodings;

/// <summary>
/// A read-only view of [start, start + length) of a seekable stream: how a part's bytes are
/// served from the stored message (the blob) without reading the rest. It seeks the inner
/// stream before every read, so several views over one stream may be read in turn (not
/// concurrently).
/// </summary>
public sealed class ByteRangeStream : Stream
{
    private readonly Stream _inner;
    private readonly long _start;
    private readonly long _length;
    private readonly bool _leaveOpen;
    private long _offset;

    public ByteRangeStream(Stream inner, long start, long length, bool leaveOpen = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanSeek || !inner.CanRead)
        {
            throw new ArgumentException("The stream must be readable and seekable; open a range with a function instead.", nameof(inner));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _inner = inner;
        _start = start;
        _length = length;
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _offset;
        set => _offset = Math.Clamp(value, 0, _length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, _length - _offset);
        if (wanted <= 0)
        {
            return 0;
        }

        _inner.Position = _start + _offset;
        var read = _inner.Read(buffer[..wanted]);
        _offset += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = (int)Math.Min(buffer.Length, _length - _offset);
        if (wanted <= 0)
        {
            return 0;
        }

        _inner.Position = _start + _offset;
        var read = await _inner.ReadAsync(buffer[..wanted], cancellationToken);
        _offset += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _offset + offset,
            _ => _length + offset,
        };
        return _offset;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
