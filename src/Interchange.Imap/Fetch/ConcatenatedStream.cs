namespace Interchange.Imap.Fetch;

/// <summary>
/// A read-only stream of a first stream then a second one opened on demand: a range that
/// starts in a message's prefix and continues into its blob. The blob is opened only when the
/// prefix has been read, so a read that stops early costs no blob request.
/// </summary>
internal sealed class ConcatenatedStream : Mime.Encodings.ReadOnlyForwardStream
{
    private readonly Stream _first;
    private readonly Func<Stream> _openSecond;
    private Stream? _second;
    private bool _firstDone;

    public ConcatenatedStream(Stream first, Func<Stream> openSecond)
    {
        _first = first;
        _openSecond = openSecond;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (!_firstDone)
        {
            var n = _first.Read(buffer);
            if (n > 0)
            {
                return n;
            }

            _firstDone = true;
        }

        _second ??= _openSecond();
        return _second.Read(buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _first.Dispose();
            _second?.Dispose();
        }

        base.Dispose(disposing);
    }
}
