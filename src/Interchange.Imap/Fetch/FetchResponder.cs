using System.Buffers;
using System.Globalization;
using Interchange.Imap.Protocol;
using Interchange.Mime.Encodings;
using Interchange.Mime.Imap;
using Interchange.Mime.Parsing;

namespace Interchange.Imap.Fetch;

/// <summary>
/// Writes one message's <c>* n FETCH (...)</c> response for a parsed <see cref="FetchRequest"/>.
/// Item names echo the request (BODY.PEEK answers as BODY, partials as BODY[...]&lt;origin&gt;);
/// section bytes are the original bytes, sliced from the stored message; BINARY is decoded.
/// The structure is parsed only when an item needs it.
/// <para>
/// Content is streamed: a literal's length comes from the stored size or the structure's
/// offsets (BINARY's decoded length from a first decoding pass), then its bytes are copied from
/// storage to the output a window at a time, with a flush every <see cref="FlushBytes"/> so the
/// transport's back-pressure bounds what is buffered. Memory per FETCH is a window, not a message.
/// </para>
/// </summary>
public static class FetchResponder
{
    /// <summary>Bytes of literal content written between two flushes.</summary>
    public const int FlushBytes = 64 * 1024;

    private const int CopyBytes = 16 * 1024;

    /// <summary>
    /// Writes the response line. <paramref name="uidCommand"/>: UID FETCH, so UID is always
    /// included (RFC 3501 §6.4.8). <paramref name="flagsChanged"/>: the fetch has just set \Seen
    /// (the caller did, before calling, and <see cref="IFetchableMessage.Flags"/> shows it), so
    /// FLAGS is included even when not asked for. False, with nothing written, when an item
    /// cannot be answered: BINARY of an unknown Content-Transfer-Encoding gives
    /// <c>NO [UNKNOWN-CTE]</c> (RFC 3516 §4.3); the caller answers the command with
    /// <paramref name="code"/> and <paramref name="error"/>.
    /// </summary>
    public static bool TryWrite(
        ImapResponseWriter writer,
        FetchRequest request,
        IFetchableMessage message,
        bool uidCommand,
        bool flagsChanged,
        out ImapResponseCode? code,
        out string error)
    {
        // Without a flush nothing awaits: reads from storage are synchronous.
        var task = WriteAsync(writer, request, message, uidCommand, flagsChanged, flush: null);
        var refusal = task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();
        code = refusal?.Code;
        error = refusal?.Error ?? string.Empty;
        return refusal is null;
    }

    /// <summary>
    /// As <see cref="TryWrite"/>, streaming literal content: <paramref name="flush"/> is called
    /// after every <see cref="FlushBytes"/> of it (null: never). Null when written, else why not.
    /// </summary>
    public static async ValueTask<FetchRefusal?> WriteAsync(
        ImapResponseWriter writer,
        FetchRequest request,
        IFetchableMessage message,
        bool uidCommand,
        bool flagsChanged,
        Func<ValueTask>? flush)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(message);
        MessageStructure? structure = null;
        MessageStructure Structure() => structure ??= message.StructureOrUnparsed();

        // Checked before writing anything, so a refusal leaves no half-written line.
        foreach (var item in request.Items)
        {
            if (item.Kind is FetchItemKind.Binary or FetchItemKind.BinarySize && item.Part.Count > 0
                && ImapSection.Resolve(Structure().Root, item.SectionPath) is { } range && range.Part.TransferEncoding == TransferEncoding.Unknown)
            {
                return new FetchRefusal(new ImapResponseCode("UNKNOWN-CTE"), "Unknown Content-Transfer-Encoding " + range.Part.TransferEncodingName);
            }
        }

        // Items computed from the message's content are formatted before the line starts, so a
        // message that breaks a decoder (a bug its bytes reach) costs a degraded item, never
        // half a response, which would leave the connection unusable.
        var formatted = FormatContentItems(request, writer.Utf8Accept, message.Size, ref structure, Structure);

        writer.Untagged().Number(message.SequenceNumber).Atom("FETCH").BeginList();
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (uidCommand && !request.Items.Any(i => i.Kind == FetchItemKind.Uid))
        {
            writer.Atom("UID").Number(message.Uid);
        }

        foreach (var item in request.Items)
        {
            // A client asking twice for the same item gets it once.
            if (!written.Add(item.ToString()))
            {
                continue;
            }

            if (formatted.TryGetValue(item, out var value))
            {
                writer.Atom(item.Kind == FetchItemKind.Envelope ? "ENVELOPE" : item.ResponseName).Formatted(value);
            }
            else
            {
                await WriteItemAsync(writer, item, message, Structure, flush).ConfigureAwait(false);
            }
        }

        if (flagsChanged && !request.Items.Any(i => i.Kind == FetchItemKind.Flags))
        {
            writer.Atom("FLAGS").AtomList(message.Flags);
        }

        if (request.ChangedSince is not null && !request.Items.Any(i => i.Kind == FetchItemKind.ModSeq))
        {
            // RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ.
            WriteModSeq(writer, message);
        }

        writer.EndList();
        writer.EndLine();
        return null;
    }

    /// <summary>INTERNALDATE's form: "17-Jul-1996 02:44:25 -0700" (RFC 3501 date-time, without the quotes).</summary>
    public static string FormatInternalDate(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var absolute = offset.Duration();
        return date.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + sign + absolute.Hours.ToString("00", CultureInfo.InvariantCulture) + absolute.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    private static async ValueTask WriteItemAsync(ImapResponseWriter writer, FetchItem item, IFetchableMessage message, Func<MessageStructure> structure, Func<ValueTask>? flush)
    {
        switch (item.Kind)
        {
            case FetchItemKind.Flags:
                writer.Atom("FLAGS").AtomList(message.Flags);
                break;
            case FetchItemKind.Uid:
                writer.Atom("UID").Number(message.Uid);
                break;
            case FetchItemKind.InternalDate:
                writer.Atom("INTERNALDATE").String(FormatInternalDate(message.InternalDate));
                break;
            case FetchItemKind.Rfc822Size:
                writer.Atom("RFC822.SIZE").Number((ulong)message.Size);
                break;
            case FetchItemKind.ModSeq:
                WriteModSeq(writer, message);
                break;
            case FetchItemKind.Envelope:
                writer.Atom("ENVELOPE");
                ImapFetchFormatter.WriteEnvelope(writer, structure().Envelope);
                break;
            case FetchItemKind.Body or FetchItemKind.BodyStructure:
                writer.Atom(item.ResponseName);
                ImapFetchFormatter.WriteBodyStructure(writer, structure().Root, extensible: item.Kind == FetchItemKind.BodyStructure);
                break;
            case FetchItemKind.Rfc822:
                writer.Atom("RFC822");
                await CopyRangeAsync(writer, message, 0, message.Size, flush).ConfigureAwait(false);
                break;
            case FetchItemKind.Rfc822Header or FetchItemKind.Rfc822Text or FetchItemKind.BodySection:
                await WriteSectionAsync(writer, item, message, structure, flush).ConfigureAwait(false);
                break;
            case FetchItemKind.Binary or FetchItemKind.BinarySize:
                await WriteBinaryAsync(writer, item, message, structure, flush).ConfigureAwait(false);
                break;
        }
    }

    // ENVELOPE, BODY and BODYSTRUCTURE, formatted apart. If formatting throws, the structure
    // becomes MessageStructure.Unparsed (one text/plain body of the raw bytes) for the whole
    // response, so every item describes the same reading.
    private static Dictionary<FetchItem, byte[]> FormatContentItems(FetchRequest request, bool utf8Accept, long size, ref MessageStructure? structure, Func<MessageStructure> getStructure)
    {
        var items = request.Items.Where(i => i.Kind is FetchItemKind.Envelope or FetchItemKind.Body or FetchItemKind.BodyStructure).ToList();
        var formatted = new Dictionary<FetchItem, byte[]>();
        if (items.Count == 0)
        {
            return formatted;
        }

        try
        {
            var current = getStructure();
            foreach (var item in items)
            {
                formatted[item] = FormatContentItem(item, current, utf8Accept);
            }

            return formatted;
        }
        catch (Exception ex) when (ex is not (IOException or OperationCanceledException))
        {
            var unparsed = MessageStructure.Unparsed(size);
            structure = unparsed;
            formatted.Clear();
            foreach (var item in items)
            {
                formatted[item] = FormatContentItem(item, unparsed, utf8Accept);
            }

            return formatted;
        }
    }

    private static byte[] FormatContentItem(FetchItem item, MessageStructure structure, bool utf8Accept)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new ImapResponseWriter(buffer, utf8Accept);
        if (item.Kind == FetchItemKind.Envelope)
        {
            ImapFetchFormatter.WriteEnvelope(writer, structure.Envelope);
        }
        else
        {
            ImapFetchFormatter.WriteBodyStructure(writer, structure.Root, extensible: item.Kind == FetchItemKind.BodyStructure);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteModSeq(ImapResponseWriter writer, IFetchableMessage message) =>
        writer.Atom("MODSEQ").BeginList().Number(message.ModSeq).EndList();

    private static async ValueTask WriteSectionAsync(ImapResponseWriter writer, FetchItem item, IFetchableMessage message, Func<MessageStructure> structure, Func<ValueTask>? flush)
    {
        var name = item.PartialOrigin is { } origin ? item.ResponseName + "<" + origin.ToString(CultureInfo.InvariantCulture) + ">" : item.ResponseName;
        writer.Raw(name);
        if (item.Part.Count == 0 && item.SectionText == SectionKind.Content)
        {
            // BODY[]: the whole message, without parsing it.
            await CopySliceAsync(writer, message, new ByteRange(0, message.Size), item, flush).ConfigureAwait(false);
            return;
        }

        if (ImapSection.Resolve(structure().Root, item.SectionPath) is not { } range)
        {
            // No such part: NIL, as Dovecot and Cyrus answer (the nstring allows it).
            writer.Nil();
            return;
        }

        if (range.Kind is SectionKind.HeaderFields or SectionKind.HeaderFieldsNot)
        {
            writer.Literal(Slice(SelectFields(message, range.Part, item.FieldNames, range.Kind == SectionKind.HeaderFieldsNot), item));
            return;
        }

        await CopySliceAsync(writer, message, range.Range, item, flush).ConfigureAwait(false);
    }

    // The fields in message order, each with its original bytes (folding included), then the
    // blank line that ends a header.
    private static byte[] SelectFields(IFetchableMessage message, MimePart part, IReadOnlyList<string> names, bool exclude)
    {
        using var output = new MemoryStream();
        foreach (var field in part.Headers.Select(names, exclude))
        {
            if (field.IsTruncated)
            {
                // The parser kept only the start of a long field; the stored bytes have all of it.
                output.Write(Read(message, field.Offset, field.Length));
            }
            else
            {
                output.Write(field.Raw.Span);
            }

            if (output.Length > 0 && output.GetBuffer()[output.Length - 1] != (byte)'\n')
            {
                output.Write("\r\n"u8);
            }
        }

        output.Write("\r\n"u8);
        return output.ToArray();
    }

    private static async ValueTask WriteBinaryAsync(ImapResponseWriter writer, FetchItem item, IFetchableMessage message, Func<MessageStructure> structure, Func<ValueTask>? flush)
    {
        Func<Stream>? open = null;
        if (item.Part.Count == 0)
        {
            // BINARY[]: the whole message, which has no transfer encoding of its own.
            open = () => message.OpenRange(0, message.Size);
        }
        else if (ImapSection.Resolve(structure().Root, item.SectionPath) is { } range)
        {
            open = () => PartContent.Decode(message.OpenRange(range.Range.Start, range.Range.Length), range.Part.TransferEncoding);
        }

        writer.Raw(item.ResponseName);
        if (open is null)
        {
            writer.Nil();
            return;
        }

        // First pass: the decoded length, and whether the part sent holds a NUL (then literal8).
        var (total, nul) = Measure(open, item);
        if (item.Kind == FetchItemKind.BinarySize)
        {
            writer.Number((ulong)total);
            return;
        }

        // Second pass: the bytes. The response carries no origin: RFC 9051's grammar has "BINARY" section-binary only.
        var (start, length) = SliceBounds(total, item);
        using var content = open();
        Skip(content, start);
        writer.BeginLiteral(length, literal8: nul);
        await CopyAsync(writer, content, length, flush).ConfigureAwait(false);
    }

    // The decoded length, and whether a NUL lies in the part of it the item asks for.
    private static (long Total, bool Nul) Measure(Func<Stream> open, FetchItem item)
    {
        var from = item.PartialOrigin ?? 0;
        var to = item.PartialOrigin is { } origin ? origin + (long)(item.PartialCount ?? 0) : long.MaxValue;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBytes);
        try
        {
            using var stream = open();
            long total = 0;
            var nul = false;
            int read;
            while ((read = stream.Read(buffer, 0, CopyBytes)) > 0)
            {
                if (!nul && total + read > from && total < to)
                {
                    var lo = (int)Math.Max(0, from - total);
                    var hi = (int)Math.Min(read, to - total);
                    nul = buffer.AsSpan(lo, hi - lo).Contains((byte)0);
                }

                total += read;
            }

            return (total, nul);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ValueTask CopySliceAsync(ImapResponseWriter writer, IFetchableMessage message, ByteRange range, FetchItem item, Func<ValueTask>? flush)
    {
        var (start, length) = SliceBounds(range.Length, item);
        return CopyRangeAsync(writer, message, range.Start + start, length, flush);
    }

    private static async ValueTask CopyRangeAsync(ImapResponseWriter writer, IFetchableMessage message, long offset, long length, Func<ValueTask>? flush)
    {
        writer.BeginLiteral(length);
        if (length == 0)
        {
            return;
        }

        using var stream = message.OpenRange(offset, length);
        await CopyAsync(writer, stream, length, flush).ConfigureAwait(false);
    }

    // Exactly length bytes from source into the literal begun; a short source is a broken store, and
    // with the literal's length already sent the connection cannot go on (the caller closes it).
    private static async ValueTask CopyAsync(ImapResponseWriter writer, Stream source, long length, Func<ValueTask>? flush)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBytes);
        try
        {
            var remaining = length;
            var sinceFlush = 0L;
            while (remaining > 0)
            {
                var read = source.Read(buffer, 0, (int)Math.Min(CopyBytes, remaining));
                if (read == 0)
                {
                    throw new EndOfStreamException($"The stored message ended {remaining} bytes before its recorded size");
                }

                writer.LiteralContent(buffer.AsSpan(0, read));
                remaining -= read;
                sinceFlush += read;
                if (flush is not null && sinceFlush >= FlushBytes)
                {
                    sinceFlush = 0;
                    await flush().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Skip(Stream stream, long count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBytes);
        try
        {
            while (count > 0)
            {
                var read = stream.Read(buffer, 0, (int)Math.Min(CopyBytes, count));
                if (read == 0)
                {
                    return;
                }

                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Slice(byte[] bytes, FetchItem item)
    {
        var (start, length) = SliceBounds(bytes.LongLength, item);
        return start == 0 && length == bytes.LongLength ? bytes : bytes.AsSpan((int)start, (int)length).ToArray();
    }

    // <origin.count>: from origin, at most count octets; an origin at or past the end gives "".
    private static (long Start, long Length) SliceBounds(long total, FetchItem item)
    {
        if (item.PartialOrigin is not { } origin)
        {
            return (0, total);
        }

        if (origin >= total)
        {
            return (total, 0);
        }

        return (origin, Math.Min(item.PartialCount ?? 0, total - origin));
    }

    private static byte[] Read(IFetchableMessage message, long offset, long length)
    {
        if (length == 0)
        {
            return [];
        }

        var result = new byte[length];
        using var stream = message.OpenRange(offset, length);
        stream.ReadExactly(result);
        return result;
    }
}
