using Interchange.Storage.Blobs;

namespace Interchange.Storage.Content;

/// <summary>Content kept as a file blob: positional reads seek one stream opened on first use; each range stream opens its own.</summary>
internal sealed class BlobContent(IBlobStore blobs, BlobRef blob) : MessageContent
{
    private Stream? _stream;

    public override long Length => blob.Length;

    public override async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= blob.Length)
        {
            return 0;
        }

        _stream ??= blobs.OpenRead(blob.Id);
        if (_stream.Position != offset)
        {
            _stream.Position = offset;
        }

        return await _stream.ReadAsync(buffer[..(int)Math.Min(buffer.Length, blob.Length - offset)], cancellationToken).ConfigureAwait(false);
    }

    public override int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= blob.Length)
        {
            return 0;
        }

        _stream ??= blobs.OpenRead(blob.Id);
        if (_stream.Position != offset)
        {
            _stream.Position = offset;
        }

        return _stream.Read(buffer[..(int)Math.Min(buffer.Length, blob.Length - offset)]);
    }

    public override Stream OpenRange(long offset, long length)
    {
        CheckRange(offset, length);
        return new ContentRangeStream(new BlobContent(blobs, blob), offset, length, ownsContent: true);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream?.Dispose();
            _stream = null;
        }

        base.Dispose(disposing);
    }
}
