using System.Buffers;
using System.Text;
using Interchange.Mime.Headers;

namespace Interchange.Mime.Parsing;

/// <summary>
/// A parsed structure as compact bytes, so a message parsed once at accept is never parsed
/// again (ENVELOPE, BODYSTRUCTURE, BODY[section] and the categorizer's Message-ID are answered
/// from them). Format version 1: a version byte, then the part tree depth first, numbers as
/// 7-bit varints and offsets relative to the part, header fields with their kept raw bytes.
/// The size is bounded by what the parser keeps (its header limits, depth and part count);
/// decoding checks every number against the structure's length and those limits, and gives
/// null for anything it does not recognise, so the caller parses instead.
/// </summary>
public static class StructureCodec
{
    /// <summary>The format written; a different first byte is not decoded.</summary>
    public const byte Version = 1;

    private const int PrefixSafe = 1;
    private const int HasPreamble = 1;
    private const int HasEpilogue = 2;
    private const int HasEmbedded = 4;
    private const int TypeFromHeader = 0;
    private const int TypeTextDefault = 1;
    private const int TypeDigestDefault = 2;

    /// <summary>The bytes of <paramref name="structure"/> (offsets as parsed: relative to the bytes that were parsed).</summary>
    public static byte[] Encode(MessageStructure structure)
    {
        ArgumentNullException.ThrowIfNull(structure);
        var output = new ArrayBufferWriter<byte>(256 + (structure.PartCount * 64));
        var writer = new Writer(output);
        writer.Byte(Version);

        // A trace prefix can be put in front only when the header starts with a field at
        // offset 0 and lines end in CRLF: otherwise (a leading fold, a blank first line, CR-only
        // lines) the bytes would read differently after the prefix's fields, and the reader
        // parses the whole message.
        var root = structure.Root;
        var safe = root.Headers.Count > 0 && root.Headers[0].Offset == 0 && root.Headers.Count == root.Headers.TotalCount
            && (root.Defects & (MimeDefects.InvalidHeaderLine | MimeDefects.UnterminatedHeader)) == 0
            && (root.LimitsHit & (MimeLimits.HeaderBytes | MimeLimits.HeaderFields)) == 0
            && (structure.Defects & (MimeDefects.BareCarriageReturn | MimeDefects.BareLineFeed | MimeDefects.RepeatedCarriageReturn)) == 0;
        writer.Byte(safe ? (byte)PrefixSafe : (byte)0);
        writer.Number(structure.Length);
        writer.Number(structure.PartCount);
        WritePart(writer, root);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The structure of the message made of <paramref name="prefix"/> (header fields, as a
    /// delivery's trace fields) followed by the bytes <paramref name="encoded"/> describes: every
    /// offset shifted by the prefix's length and the prefix's fields first in the top header, as
    /// parsing the two together gives. Null when the bytes are of another version, corrupt, or
    /// the prefix cannot be put in front without parsing again.
    /// </summary>
    public static MessageStructure? Decode(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> prefix = default, MimeParserOptions? options = null)
    {
        options ??= MimeParserOptions.Default;
        try
        {
            var reader = new Reader(encoded);
            if (reader.Byte() != Version)
            {
                return null;
            }

            var flags = reader.Byte();
            var length = reader.Number();
            var partCount = (int)reader.Number();
            if (partCount < 1 || partCount > options.MaxParts + 1)
            {
                return null;
            }

            HeaderField[] prefixFields = [];
            if (!prefix.IsEmpty)
            {
                if ((flags & PrefixSafe) == 0 || ParsePrefix(prefix, options) is not { } fields)
                {
                    return null;
                }

                prefixFields = fields;
            }

            var shift = (long)prefix.Length;
            var context = new DecodeContext(length, shift, partCount, options);
            var root = ReadPart(ref reader, context, null, 0, prefixFields);
            if (!reader.AtEnd || context.Parts != partCount || root.HeaderStart != 0 || root.BodyEnd != length + shift)
            {
                return null;
            }

            return new MessageStructure(root, length + shift, partCount);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    private static void WritePart(Writer writer, MimePart part)
    {
        var flags = (part.Preamble is null ? 0 : HasPreamble) | (part.Epilogue is null ? 0 : HasEpilogue) | (part.EmbeddedMessage is null ? 0 : HasEmbedded);
        writer.Byte((byte)part.Kind);
        writer.Byte((byte)flags);
        writer.Byte((byte)(ReferenceEquals(part.ContentType, ContentType.TextPlainDefault) ? TypeTextDefault
            : ReferenceEquals(part.ContentType, ContentType.DigestDefault) ? TypeDigestDefault
            : TypeFromHeader));
        writer.Number(part.HeaderStart);
        writer.Number(part.BodyStart - part.HeaderStart);
        writer.Number(part.BodyEnd - part.BodyStart);
        writer.Number(part.BodyLines);
        writer.Number((long)part.LimitsHit);
        writer.Number((long)part.Defects);
        if (part.Preamble is { } preamble)
        {
            writer.Number(preamble.Start - part.BodyStart);
            writer.Number(preamble.Length);
        }

        if (part.Epilogue is { } epilogue)
        {
            writer.Number(epilogue.Start - part.BodyStart);
            writer.Number(epilogue.Length);
        }

        writer.Number(part.Headers.TotalCount);
        writer.Number(part.Headers.Count);
        foreach (var field in part.Headers)
        {
            writer.Number(field.Offset - part.HeaderStart);
            writer.Number(field.Length);
            writer.Bytes(Encoding.UTF8.GetBytes(field.Name));
            writer.Bytes(field.Raw.Span);
            writer.Number(field.Raw.Length - field.RawValue.Length);
        }

        writer.Number(part.Children.Count);
        foreach (var child in part.Children)
        {
            WritePart(writer, child);
        }

        if (part.EmbeddedMessage is { } embedded)
        {
            WritePart(writer, embedded);
        }
    }

    private static MimePart ReadPart(ref Reader reader, DecodeContext context, MimePart? parent, int depth, HeaderField[] prefixFields)
    {
        if (++context.Parts > context.PartCount || depth > context.Options.MaxDepth)
        {
            throw new FormatException("more parts or deeper nesting than the structure says");
        }

        var kind = (MimePartKind)reader.Byte();
        var flags = reader.Byte();
        var typeSource = reader.Byte();
        if (!Enum.IsDefined(kind) || typeSource > TypeDigestDefault)
        {
            throw new FormatException("unknown part kind or type source");
        }

        var isRoot = parent is null;
        var headerStart = context.Offset(reader.Number()) + (isRoot ? 0 : context.Shift);
        if (isRoot && headerStart != 0)
        {
            throw new FormatException("the message starts at 0");
        }

        var bodyStart = context.Within(headerStart + reader.Number() + (isRoot ? context.Shift : 0));
        var bodyEnd = context.Within(bodyStart + reader.Number());
        var defaultType = typeSource == TypeDigestDefault ? ContentType.DigestDefault : ContentType.TextPlainDefault;
        var part = new MimePart(parent, depth, headerStart, defaultType)
        {
            BodyStart = bodyStart,
            BodyEnd = bodyEnd,
            BodyLines = reader.Number(),
            LimitsHit = (MimeLimits)reader.Number(),
            Defects = (MimeDefects)reader.Number(),
            Kind = kind,
        };
        if ((flags & HasPreamble) != 0)
        {
            part.Preamble = context.Range(bodyStart + reader.Number(), reader.Number());
        }

        if ((flags & HasEpilogue) != 0)
        {
            part.Epilogue = context.Range(bodyStart + reader.Number(), reader.Number());
        }

        var total = (int)reader.Number();
        var count = (int)reader.Number();
        if (count > total || count > context.Options.MaxHeaderFields)
        {
            throw new FormatException("more header fields than the limits keep");
        }

        if (prefixFields.Length > 0 && prefixFields.Length + count > context.Options.MaxHeaderFields)
        {
            throw new FormatException("the prefix's fields would push the message's past the limit");
        }

        var fields = new HeaderField[prefixFields.Length + count];
        prefixFields.CopyTo(fields, 0);
        for (var i = 0; i < count; i++)
        {
            // The root's fields move by the prefix; the other parts' start moved already.
            var offset = context.Within(headerStart + reader.Number() + (isRoot ? context.Shift : 0));
            var fieldLength = reader.Number();
            var name = Encoding.UTF8.GetString(reader.Bytes(context.Options.MaxHeaderFieldBytes));
            var raw = reader.Bytes(context.Options.MaxHeaderFieldBytes).ToArray();
            var valueStart = (int)reader.Number();
            if (valueStart > raw.Length || fieldLength < raw.Length)
            {
                throw new FormatException("a field's value starts outside it");
            }

            fields[prefixFields.Length + i] = new HeaderField(name, raw, valueStart, offset, fieldLength);
        }

        if (prefixFields.Length > 0 && fields.Sum(f => (long)f.Raw.Length) > context.Options.MaxHeaderBytes)
        {
            throw new FormatException("the prefix's fields would push the header past the limit");
        }

        part.Headers = new HeaderList(fields, prefixFields.Length + total);
        if (typeSource == TypeFromHeader)
        {
            part.ContentType = part.Headers["Content-Type"] is { } field && ContentType.Parse(field.RawValue.Span) is { } parsed
                ? parsed
                : throw new FormatException("the Content-Type the structure names is not in its header");
        }

        var children = (int)reader.Number();
        for (var i = 0; i < children; i++)
        {
            part.MutableChildren.Add(ReadPart(ref reader, context, part, depth + 1, []));
        }

        if ((flags & HasEmbedded) != 0)
        {
            part.EmbeddedMessage = ReadPart(ref reader, context, part, depth + 1, []);
        }

        return part;
    }

    /// <summary>The prefix's header fields, parsed as the top of a message; null when it is anything but whole, well-formed fields.</summary>
    private static HeaderField[]? ParsePrefix(ReadOnlySpan<byte> prefix, MimeParserOptions options)
    {
        var parsed = MimeParser.Parse(prefix, options);
        var root = parsed.Root;
        var endsWithBreak = prefix.Length >= 2 && prefix[^2] == '\r' && prefix[^1] == '\n';
        if (!endsWithBreak || root.LimitsHit != MimeLimits.None || (root.Defects & ~MimeDefects.UnterminatedHeader) != MimeDefects.None
            || root.Headers.Count != root.Headers.TotalCount || root.BodyStart != prefix.Length)
        {
            return null;
        }

        return [.. root.Headers];
    }

    private sealed class DecodeContext(long length, long shift, int partCount, MimeParserOptions options)
    {
        public long Shift { get; } = shift;

        public int PartCount { get; } = partCount;

        public MimeParserOptions Options { get; } = options;

        public int Parts { get; set; }

        /// <summary>A blob-relative offset, checked.</summary>
        public long Offset(long value) => value <= length ? value : throw new FormatException("an offset past the end");

        /// <summary>A shifted offset, checked.</summary>
        public long Within(long value) => value >= 0 && value <= length + Shift ? value : throw new FormatException("an offset past the end");

        public ByteRange Range(long start, long rangeLength) => ByteRange.FromBounds(Within(start), Within(start + rangeLength));
    }

    private readonly ref struct Writer(ArrayBufferWriter<byte> output)
    {
        public void Byte(byte value)
        {
            output.GetSpan(1)[0] = value;
            output.Advance(1);
        }

        public void Number(long value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            var span = output.GetSpan(10);
            var i = 0;
            var v = (ulong)value;
            while (v >= 0x80)
            {
                span[i++] = (byte)(v | 0x80);
                v >>= 7;
            }

            span[i++] = (byte)v;
            output.Advance(i);
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            Number(bytes.Length);
            output.Write(bytes);
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public byte Byte() => _position < _data.Length ? _data[_position++] : throw new FormatException("truncated");

        public long Number()
        {
            ulong value = 0;
            for (var shift = 0; shift < 63; shift += 7)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value <= long.MaxValue ? (long)value : throw new FormatException("a number out of range");
                }
            }

            throw new FormatException("a number too long");
        }

        public ReadOnlySpan<byte> Bytes(int max)
        {
            var count = Number();
            if (count > max || count > _data.Length - _position)
            {
                throw new FormatException("a byte string too long");
            }

            var slice = _data.Slice(_position, (int)count);
            _position += (int)count;
            return slice;
        }
    }
}
