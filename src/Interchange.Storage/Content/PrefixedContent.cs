namespace Interchange.Storage.Content;

/// <summary>
/// A delivered message: the trace fields written at delivery (Return-Path, Delivered-To), kept
/// with the mailbox row, followed by the accepted message's content shared by every recipient.
/// </summary>
public sealed class PrefixedContent(ReadOnlyMemory<byte> prefix, MessageContent body) : MessageContent
{
    public override long Length => prefix.Length + body.Length;

    /// <summary>A read that starts in the prefix goes on into the body, so the first read of a missing body fails rather than returning the prefix alone.</summary>
    public override async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= prefix.Length)
        {
            return await body.ReadAsync(offset - prefix.Length, buffer, cancellationToken).ConfigureAwait(false);
        }

        var take = (int)Math.Min(buffer.Length, prefix.Length - offset);
        prefix.Span.Slice((int)offset, take).CopyTo(buffer.Span);
        return take == buffer.Length ? take : take + await body.ReadAsync(0, buffer[take..], cancellationToken).ConfigureAwait(false);
    }

    public override int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= prefix.Length)
        {
            return body.Read(offset - prefix.Length, buffer);
        }

        var take = (int)Math.Min(buffer.Length, prefix.Length - offset);
        prefix.Span.Slice((int)offset, take).CopyTo(buffer);
        return take == buffer.Length ? take : take + body.Read(0, buffer[take..]);
    }

    public override Stream OpenRange(long offset, long length)
    {
        CheckRange(offset, length);
        return offset >= prefix.Length ? body.OpenRange(offset - prefix.Length, length) : base.OpenRange(offset, length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
        }

        base.Dispose(disposing);
    }
}
