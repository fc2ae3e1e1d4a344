using System.Buffers;
using Interchange.Mime.Encodings;
using Interchange.Mime.Headers;

namespace Interchange.Mime.Parsing;

/// <summary>
/// A streaming RFC 5322 / MIME parser. It reads the message once, front to back, in chunks of
/// any size, and keeps only header fields, the open parts and a line's first few bytes: a
/// 50 MB attachment costs no more memory than a short one. Every byte sequence parses to
/// something; malformed input is read leniently and flagged (<see cref="MimeDefects"/>), and
/// hostile input is bounded by <see cref="MimeParserOptions"/>.
/// </summary>
/// <remarks>
/// Line breaks are CRLF, bare LF, or bare CR; a run of CRs before an LF is one line break, and
/// a CR without LF breaks a line only until the message has shown an LF (CR-only messages).
/// Offsets always refer to the original bytes. Boundary lines are found as Dovecot does: a line
/// starting with "--" and an open boundary (the longest match, the innermost on a tie), so an
/// outer boundary ends every part inside it even when their close delimiters are missing.
/// </remarks>
public sealed class MimeParser
{
    private const int StreamBufferSize = 64 * 1024;

    private static ReadOnlySpan<byte> CarriageReturns => "\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r"u8;

    private readonly MimeParserOptions _options;
    private readonly List<Frame> _stack = [];
    private readonly MimePart _root;
    private readonly CappedBuffer _line = new();
    private readonly CappedBuffer _field = new();

    private long _position;
    private long _lineStart;
    private long _lineLength;
    private long _terminators;
    private long _prevTermStart;
    private long _pendingCr;
    private long _crStart;
    private int _partCount;
    private bool _completed;
    private bool _sawLineFeed;
    private MessageStructure? _result;

    private byte[] _prefix = new byte[128];
    private int _prefixCapacity = 4;
    private int _prefixLength;
    private bool _prefixWanted;

    private NameState _nameState;
    private bool _fieldActive;
    private long _fieldOffset;

    public MimeParser(MimeParserOptions? options = null)
    {
        _options = options ?? MimeParserOptions.Default;
        _root = new MimePart(null, 0, 0, ContentType.TextPlainDefault);
        _partCount = 1;
        _stack.Add(new Frame(_root));
    }

    private enum FrameState
    {
        Headers,
        Leaf,
        Preamble,
        InPart,
        Skipping,
        Epilogue,
        Message,
    }

    private enum NameState
    {
        Start,
        Name,
        SpaceAfterName,
        Valid,
        Invalid,
        Continuation,
    }

    /// <summary>Bytes fed so far.</summary>
    public long Position => _position;

    public static MessageStructure Parse(ReadOnlySpan<byte> message, MimeParserOptions? options = null)
    {
        var parser = new MimeParser(options);
        parser.Feed(message);
        return parser.Complete();
    }

    public static MessageStructure Parse(ReadOnlySequence<byte> message, MimeParserOptions? options = null)
    {
        var parser = new MimeParser(options);
        parser.Feed(message);
        return parser.Complete();
    }

    /// <summary>Reads <paramref name="stream"/> to its end in bounded chunks.</summary>
    public static MessageStructure Parse(Stream stream, MimeParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var parser = new MimeParser(options);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, StreamBufferSize)) > 0)
            {
                parser.Feed(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return parser.Complete();
    }

    public static async Task<MessageStructure> ParseAsync(Stream stream, MimeParserOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var parser = new MimeParser(options);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, StreamBufferSize), cancellationToken)) > 0)
            {
                parser.Feed(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return parser.Complete();
    }

    public void Feed(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Feed(segment.Span);
        }
    }

    /// <summary>Consumes the next bytes of the message; the split of the input into calls does not change the result.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The parser has completed; create a new one for another message.");
        }

        while (!data.IsEmpty)
        {
            if (_pendingCr > 0)
            {
                var b = data[0];
                if (b == '\n')
                {
                    var crs = _pendingCr;
                    _pendingCr = 0;
                    _position++;
                    EndLine(_crStart, crs, lf: true);
                    data = data[1..];
                }
                else if (b == '\r')
                {
                    _pendingCr++;
                    _position++;
                    data = data[1..];
                }
                else if (_sawLineFeed)
                {
                    FlushCarriageReturnsAsData();
                }
                else
                {
                    FlushBareCarriageReturns();
                }

                continue;
            }

            var index = data.IndexOfAny((byte)'\r', (byte)'\n');
            var content = index < 0 ? data : data[..index];
            if (!content.IsEmpty)
            {
                LineContent(content);
                _position += content.Length;
            }

            if (index < 0)
            {
                break;
            }

            if (data[index] == '\n')
            {
                _position++;
                EndLine(_position - 1, 0, lf: true);
            }
            else
            {
                _pendingCr = 1;
                _crStart = _position;
                _position++;
            }

            data = data[(index + 1)..];
        }
    }

    /// <summary>Ends the input and returns the structure. Parts still open end here.</summary>
    public MessageStructure Complete()
    {
        if (_result is not null)
        {
            return _result;
        }

        if (_pendingCr > 0 && _sawLineFeed)
        {
            FlushCarriageReturnsAsData();
        }
        else if (_pendingCr > 0)
        {
            FlushBareCarriageReturns();
        }

        if (_lineLength > 0)
        {
            EndLine(_position, 0, lf: false);
        }

        while (_stack.Count > 0)
        {
            CloseTop(atEnd: true, _position);
        }

        _completed = true;
        _result = new MessageStructure(_root, _position, _partCount);
        return _result;
    }

    // After the message has shown an LF it is not a CR-only message, and a CR without LF is a
    // stray byte (as Dovecot and MimeKit read it): a line break there would let "\r--boundary"
    // split a part where other readers see none.
    private void FlushCarriageReturnsAsData()
    {
        var count = _pendingCr;
        _pendingCr = 0;
        _stack[^1].Part.Defects |= MimeDefects.BareCarriageReturn;
        while (count > 0)
        {
            var take = (int)Math.Min(count, CarriageReturns.Length);
            LineContent(CarriageReturns[..take]);
            count -= take;
        }
    }

    private void FlushBareCarriageReturns()
    {
        // CRs not followed by LF: each one ends a line (old Mac line ends, or stray CRs).
        var count = _pendingCr;
        _pendingCr = 0;
        for (long k = 0; k < count; k++)
        {
            EndLine(_crStart + k, 1, lf: false);
        }
    }

    private void LineContent(ReadOnlySpan<byte> data)
    {
        var frame = _stack[^1];
        if (_lineLength == 0)
        {
            _prefixWanted = data[0] == '-';
            _nameState = NameState.Start;
        }

        if (_prefixWanted && _prefixLength < _prefixCapacity)
        {
            var take = Math.Min(_prefixCapacity - _prefixLength, data.Length);
            data[..take].CopyTo(_prefix.AsSpan(_prefixLength));
            _prefixLength += take;
        }

        if (frame.State == FrameState.Headers)
        {
            _line.Append(data, _options.MaxHeaderFieldBytes);
            ScanFieldName(data);
            if (data.ContainsAnyInRange((byte)0x80, (byte)0xFF))
            {
                frame.Part.Defects |= MimeDefects.EightBitHeader;
            }
        }

        if (data.Contains((byte)0))
        {
            frame.Part.Defects |= MimeDefects.NulBytes;
        }

        _lineLength += data.Length;
    }

    private void ScanFieldName(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            switch (_nameState)
            {
                case NameState.Start:
                    _nameState = b is (byte)' ' or (byte)'\t' ? NameState.Continuation
                        : IsFieldNameByte(b) ? NameState.Name
                        : NameState.Invalid;
                    break;
                case NameState.Name:
                    _nameState = b == ':' ? NameState.Valid
                        : b is (byte)' ' or (byte)'\t' ? NameState.SpaceAfterName
                        : IsFieldNameByte(b) ? NameState.Name
                        : NameState.Invalid;
                    break;
                case NameState.SpaceAfterName:
                    // "Subject : x" is obsolete syntax (RFC 5322 §4.5) but valid.
                    _nameState = b == ':' ? NameState.Valid
                        : b is (byte)' ' or (byte)'\t' ? NameState.SpaceAfterName
                        : NameState.Invalid;
                    break;
                default:
                    return;
            }
        }
    }

    // RFC 5322 ftext is printable ASCII but ':'; 8-bit bytes are accepted so that a stray
    // Latin-1 name does not end the header block.
    private static bool IsFieldNameByte(byte b) => b > 32 && b != 127 && b != ':';

    private void EndLine(long termStart, long crCount, bool lf)
    {
        _sawLineFeed |= lf;
        var termLength = crCount + (lf ? 1 : 0);
        var frame = _stack[^1];
        if (lf && crCount == 0)
        {
            frame.Part.Defects |= MimeDefects.BareLineFeed;
        }
        else if (!lf && crCount > 0)
        {
            frame.Part.Defects |= MimeDefects.BareCarriageReturn;
        }
        else if (crCount > 1)
        {
            frame.Part.Defects |= MimeDefects.RepeatedCarriageReturn;
        }

        if (_lineLength > _options.MaxLineLength)
        {
            frame.Part.LimitsHit |= MimeLimits.LineLength;
        }

        var lineStart = _lineStart;
        var nextLineStart = termStart + termLength;
        if (_lineLength > 0 && _prefixWanted && TryFindDelimiter(_prefix.AsSpan(0, _prefixLength), out var level, out var isClose))
        {
            HandleDelimiter(level, isClose, lineStart, nextLineStart);
        }
        else if (frame.State == FrameState.Headers)
        {
            HandleHeaderLine(frame, lineStart, termStart, nextLineStart, crCount, lf);
        }

        if (termLength > 0)
        {
            _terminators++;
        }

        _prevTermStart = termStart;
        _lineStart = nextLineStart;
        _lineLength = 0;
        _prefixLength = 0;
        _prefixWanted = false;
        _nameState = NameState.Start;
        _line.Clear();
    }

    private bool TryFindDelimiter(ReadOnlySpan<byte> line, out int level, out bool isClose)
    {
        level = -1;
        isClose = false;
        if (line.Length < 2 || line[0] != '-' || line[1] != '-')
        {
            return false;
        }

        var afterDashes = line[2..];
        var best = -1;
        for (var k = _stack.Count - 1; k >= 0; k--)
        {
            var frame = _stack[k];
            if (frame.Boundary is { } boundary
                && frame.State is FrameState.Preamble or FrameState.InPart or FrameState.Skipping
                && boundary.Length > best
                && afterDashes.StartsWith(boundary))
            {
                level = k;
                best = boundary.Length;
            }
        }

        if (level < 0)
        {
            return false;
        }

        isClose = afterDashes.Length >= best + 2 && afterDashes[best] == '-' && afterDashes[best + 1] == '-';
        return true;
    }

    private void HandleHeaderLine(Frame frame, long lineStart, long termStart, long nextLineStart, long crCount, bool lf)
    {
        for (long k = 0; k < crCount; k++)
        {
            _line.Append("\r"u8, _options.MaxHeaderFieldBytes);
        }

        if (lf)
        {
            _line.Append("\n"u8, _options.MaxHeaderFieldBytes);
        }

        var lineTotal = nextLineStart - lineStart;
        if (termStart == lineStart)
        {
            // The blank line: the header ends and the body starts after it.
            FinishField(frame);
            EndHeaders(frame, nextLineStart, _terminators + (nextLineStart > termStart ? 1 : 0));
            return;
        }

        switch (_nameState)
        {
            case NameState.Continuation when _fieldActive:
                _field.Append(_line.Span, _options.MaxHeaderFieldBytes);
                _field.Total += lineTotal - _line.Length;
                return;

            case NameState.Valid:
                FinishField(frame);
                _field.Clear();
                _field.Append(_line.Span, _options.MaxHeaderFieldBytes);
                _field.Total += lineTotal - _line.Length;
                _fieldActive = true;
                _fieldOffset = lineStart;
                return;
        }

        // Not a header field. Only the blank line ends a header (RFC 5322 §2.1), so the line
        // is skipped and the fields after it still count, as MimeKit reads it. A line that
        // starts "--" is the exception: a multipart's header may run straight into its first
        // delimiter, so the header ends there and the line is body.
        FinishField(frame);
        frame.Part.Defects |= MimeDefects.InvalidHeaderLine;
        if (!_line.Span.StartsWith("--"u8))
        {
            return;
        }

        EndHeaders(frame, lineStart, _terminators);

        var next = _stack[^1];
        if (next.State == FrameState.Headers)
        {
            // A message/rfc822 part whose embedded message starts at this line: it is not a
            // header line for that message either.
            next.Part.Defects |= MimeDefects.InvalidHeaderLine;
            EndHeaders(next, lineStart, _terminators);
            next = _stack[^1];
        }

        if (next.State == FrameState.Preamble && TryFindDelimiter(_line.Span, out var level, out var isClose))
        {
            // "multipart/mixed; boundary=x" directly followed by "--x": the first delimiter.
            HandleDelimiter(level, isClose, lineStart, nextLineStart);
        }
    }

    private void FinishField(Frame frame)
    {
        if (!_fieldActive)
        {
            return;
        }

        _fieldActive = false;
        frame.TotalFields++;
        var part = frame.Part;
        if (frame.Fields.Count >= _options.MaxHeaderFields)
        {
            part.LimitsHit |= MimeLimits.HeaderFields;
            return;
        }

        if ((part.LimitsHit & MimeLimits.HeaderBytes) != 0 || frame.KeptBytes + _field.Length > _options.MaxHeaderBytes)
        {
            part.LimitsHit |= MimeLimits.HeaderBytes;
            return;
        }

        if (_field.Total > _field.Length)
        {
            part.LimitsHit |= MimeLimits.HeaderFieldBytes;
        }

        var raw = _field.Span.ToArray();
        var colon = Array.IndexOf(raw, (byte)':');
        var nameEnd = colon < 0 ? raw.Length : colon;
        while (nameEnd > 0 && raw[nameEnd - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            nameEnd--;
        }

        var name = MimeCharsets.DecodeUtf8OrLatin1(raw.AsSpan(0, nameEnd));
        frame.Fields.Add(new HeaderField(name, raw, colon < 0 ? raw.Length : colon + 1, _fieldOffset, _field.Total));
        frame.KeptBytes += raw.Length;
    }

    private void EndHeaders(Frame frame, long bodyStart, long terminatorsBefore)
    {
        var part = frame.Part;
        part.BodyStart = bodyStart;
        part.BodyEnd = bodyStart;
        frame.TerminatorsBeforeBody = terminatorsBefore;
        ApplyHeaders(frame);

        var type = part.ContentType;
        frame.State = FrameState.Leaf;
        if (type.IsMultipart)
        {
            var boundary = type.BoundaryBytes;
            if (boundary is null || boundary.Length == 0)
            {
                part.Defects |= MimeDefects.MissingBoundary;
            }
            else if (part.Depth >= _options.MaxDepth)
            {
                part.LimitsHit |= MimeLimits.Depth;
            }
            else
            {
                frame.State = FrameState.Preamble;
                frame.Boundary = boundary;
                part.Kind = MimePartKind.Multipart;
                EnsurePrefixCapacity(boundary.Length + 4);
            }
        }
        else if (type.IsEmbeddedMessage && part.TransferEncoding is not (TransferEncoding.Base64 or TransferEncoding.QuotedPrintable))
        {
            // An encoded message/global is opaque until decoded; RFC 6532 allows that encoding.
            if (part.Depth >= _options.MaxDepth)
            {
                part.LimitsHit |= MimeLimits.Depth;
            }
            else if (_partCount >= _options.MaxParts)
            {
                part.LimitsHit |= MimeLimits.Parts;
            }
            else
            {
                frame.State = FrameState.Message;
                part.Kind = MimePartKind.Message;
                part.EmbeddedMessage = NewPart(frame, bodyStart, ContentType.TextPlainDefault);
            }
        }
    }

    private void ApplyHeaders(Frame frame)
    {
        var part = frame.Part;
        part.Headers = new HeaderList([.. frame.Fields], frame.TotalFields);
        frame.Fields = [];
        if (part.Headers["Content-Type"] is { } field && ContentType.Parse(field.RawValue.Span) is { } parsed)
        {
            part.ContentType = parsed;
        }
    }

    private MimePart NewPart(Frame parent, long headerStart, ContentType defaultType)
    {
        _partCount++;
        var part = new MimePart(parent.Part, parent.Part.Depth + 1, headerStart, defaultType);
        _stack.Add(new Frame(part));
        _fieldActive = false;
        return part;
    }

    private void HandleDelimiter(int level, bool isClose, long lineStart, long nextLineStart)
    {
        while (_stack.Count - 1 > level)
        {
            CloseTop(atEnd: false, lineStart);
        }

        var frame = _stack[level];
        var part = frame.Part;
        if (frame.State == FrameState.Preamble)
        {
            part.Preamble = ByteRange.FromBounds(part.BodyStart, lineStart == part.BodyStart ? lineStart : _prevTermStart);
        }

        if (isClose)
        {
            frame.State = FrameState.Epilogue;
            frame.EpilogueStart = nextLineStart;
            return;
        }

        if (_partCount >= _options.MaxParts)
        {
            frame.State = FrameState.Skipping;
            part.LimitsHit |= MimeLimits.Parts;
            return;
        }

        frame.State = FrameState.InPart;
        var defaultType = part.ContentType.MediaSubtype == "digest" ? ContentType.DigestDefault : ContentType.TextPlainDefault;
        part.MutableChildren.Add(NewPart(frame, nextLineStart, defaultType));
    }

    // Ends the innermost open part, at a boundary line starting at lineStart or at the end of
    // the input. The line break before a boundary belongs to the boundary.
    private void CloseTop(bool atEnd, long lineStart)
    {
        var frame = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        var part = frame.Part;
        long end;
        if (frame.State == FrameState.Headers)
        {
            FinishField(frame);
            end = lineStart;
            if (end > part.HeaderStart)
            {
                part.Defects |= MimeDefects.UnterminatedHeader;
            }

            part.BodyStart = end;
            ApplyHeaders(frame);
            part.BodyLines = 0;
        }
        else
        {
            end = atEnd || lineStart == part.BodyStart ? lineStart : _prevTermStart;
            end = Math.Max(end, frame.MaxChildEnd);
            part.BodyLines = end == part.BodyStart ? 0
                : end >= lineStart ? _terminators - frame.TerminatorsBeforeBody
                : _terminators - frame.TerminatorsBeforeBody - 1;

            switch (frame.State)
            {
                case FrameState.Preamble:
                    part.Preamble = ByteRange.FromBounds(part.BodyStart, end);
                    part.Defects |= MimeDefects.NoDelimiter;
                    break;
                case FrameState.InPart or FrameState.Skipping:
                    part.Defects |= MimeDefects.MissingCloseDelimiter;
                    break;
                case FrameState.Epilogue:
                    part.Epilogue = frame.EpilogueStart <= end ? ByteRange.FromBounds(frame.EpilogueStart, end) : new ByteRange(end, 0);
                    break;
            }
        }

        part.BodyEnd = end;
        if (_stack.Count > 0)
        {
            var parent = _stack[^1];
            parent.MaxChildEnd = Math.Max(parent.MaxChildEnd, end);
        }
    }

    private void EnsurePrefixCapacity(int capacity)
    {
        if (capacity > _prefixCapacity)
        {
            _prefixCapacity = capacity;
            if (_prefix.Length < capacity)
            {
                Array.Resize(ref _prefix, capacity);
            }
        }
    }

    private sealed class Frame(MimePart part)
    {
        public MimePart Part { get; } = part;

        public FrameState State { get; set; }

        public byte[]? Boundary { get; set; }

        public long TerminatorsBeforeBody { get; set; }

        public long MaxChildEnd { get; set; } = -1;

        public long EpilogueStart { get; set; }

        public List<HeaderField> Fields { get; set; } = [];

        public int TotalFields { get; set; }

        public long KeptBytes { get; set; }
    }

    // Bytes kept up to a cap, with the true length counted past it.
    private sealed class CappedBuffer
    {
        private byte[] _data = new byte[256];

        public int Length { get; private set; }

        public long Total { get; set; }

        public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

        public void Append(ReadOnlySpan<byte> bytes, int cap)
        {
            Total += bytes.Length;
            var take = Math.Min(bytes.Length, Math.Max(0, cap - Length));
            if (take == 0)
            {
                return;
            }

            if (Length + take > _data.Length)
            {
                Array.Resize(ref _data, Math.Min(Math.Max(_data.Length * 2, Length + take), Math.Max(cap, 256)));
            }

            bytes[..take].CopyTo(_data.AsSpan(Length));
            Length += take;
        }

        public void Clear()
        {
            Length = 0;
            Total = 0;
        }
    }
}
