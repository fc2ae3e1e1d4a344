namespace Interchange.Tests.Mime;

/// <summary>
/// A read-only stream over a buffer that returns between 1 and <c>maxChunk</c> bytes per Read,
/// sizes drawn from a seeded generator: it feeds a parser split at arbitrary boundaries.
/// </summary>
internal sealed class ChunkedStream(byte[] data, int maxChunk, int seed) : Stream
{
    private readonly Random _random = new(seed);
    private int _position;

    public int Reads { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var remaining = data.Length - _position;
        if (remaining == 0 || buffer.Length == 0)
        {
            return 0;
        }

        var n = Math.Min(Math.Min(buffer.Length, remaining), _random.Next(1, maxChunk + 1));
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        Reads++;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
