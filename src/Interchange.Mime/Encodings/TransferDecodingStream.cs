using System.Buffers;

namespace Interchange.Mime.Encodings;

/// <summary>Decodes base64 or quoted-printable from an inner stream as it is read, in bounded chunks.</summary>
internal sealed class TransferDecodingStream : ReadOnlyForwardStream
{
    private const int ChunkSize = 16 * 1024;

    private readonly Stream _inner;
    private readonly Base64Decoder? _base64;
    private readonly QuotedPrintableDecoder? _quotedPrintable;
    private readonly bool _leaveOpen;
    private readonly byte[] _input = new byte[ChunkSize];
    private readonly byte[] _output;
    private int _outputStart;
    private int _outputEnd;
    private bool _innerDone;
    private bool _flushed;

    public TransferDecodingStream(Stream inner, TransferEncoding encoding, bool leaveOpen)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        if (encoding == TransferEncoding.Base64)
        {
            _base64 = new Base64Decoder();
            _output = new byte[Base64Decoder.MaxDecodedLength(ChunkSize) + 3];
        }
        else
        {
            _quotedPrintable = new QuotedPrintableDecoder();
            _output = new byte[QuotedPrintableDecoder.MaxDecodedLength(ChunkSize)];
        }
    }

    public override int Read(Span<byte> buffer)
    {
        while (_outputStart == _outputEnd)
        {
            if (_flushed)
            {
                return 0;
            }

            var read = _innerDone ? 0 : _inner.Read(_input, 0, _input.Length);
            Decode(read);
        }

        return CopyOut(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_outputStart == _outputEnd)
        {
            if (_flushed)
            {
                return 0;
            }

            var read = _innerDone ? 0 : await _inner.ReadAsync(_input.AsMemory(), cancellationToken);
            Decode(read);
        }

        return CopyOut(buffer.Span);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Decode(int read)
    {
        _outputStart = 0;
        if (read > 0)
        {
            _outputEnd = _base64 is not null
                ? _base64.Decode(_input.AsSpan(0, read), _output)
                : _quotedPrintable!.Decode(_input.AsSpan(0, read), _output);
            return;
        }

        _innerDone = true;
        _outputEnd = _base64 is not null ? _base64.Flush(_output) : _quotedPrintable!.Flush(_output);
        _flushed = true;
    }

    private int CopyOut(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _outputEnd - _outputStart);
        _output.AsSpan(_outputStart, count).CopyTo(buffer);
        _outputStart += count;
        return count;
    }
}
