namespace Interchange.Mime.Encodings;

/// <summary>
/// A read-only, seekable stream of several seekable streams one after the other: a message
/// whose header section was rewritten (in memory) before a body still in its blob, read by a
/// parser that seeks (MimeKit's persistent parse) without copying the body. Disposes its parts.
/// </summary>
public sealed class JoinedStream : Stream
{
    private readonly Stream[] _parts;
    private readonly long[] _starts;
    private readonly long _length;
    private long _position;

    public JoinedStream(params Stream[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        _parts = parts;
        _starts = new long[parts.Length];
        long start = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            if (!parts[i].CanSeek)
            {
                throw new ArgumentException("every part must be seekable", nameof(parts));
            }

            _starts[i] = start;
            start += parts[i].Length;
        }

        _length = start;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _position >= _length)
        {
            return 0;
        }

        var part = PartAt(_position);
        var stream = _parts[part];
        stream.Position = _position - _starts[part];
        var n = stream.Read(buffer[..(int)Math.Min(buffer.Length, stream.Length - stream.Position)]);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= _length)
        {
            return 0;
        }

        var part = PartAt(_position);
        var stream = _parts[part];
        stream.Position = _position - _starts[part];
        var n = await stream.ReadAsync(buffer[..(int)Math.Min(buffer.Length, stream.Length - stream.Position)], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var part in _parts)
            {
                part.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>The last part starting at or before <paramref name="position"/> that is not empty.</summary>
    private int PartAt(long position)
    {
        var part = 0;
        for (var i = 0; i < _parts.Length; i++)
        {
            if (_starts[i] <= position && _parts[i].Length > 0)
            {
                part = i;
            }
        }

        return part;
    }
}
