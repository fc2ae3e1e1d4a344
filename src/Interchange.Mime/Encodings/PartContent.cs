using Interchange.Mime.Parsing;

namespace Interchange.Mime.Encodings;

/// <summary>
/// A part's content, read from the stored message: only that part's byte range is read,
/// decoded from its Content-Transfer-Encoding as it streams. The message bytes come either
/// from a seekable stream or from a function that opens a range of them (a blob store).
/// </summary>
public static class PartContent
{
    /// <summary>The body bytes as stored (still transfer-encoded).</summary>
    public static Stream OpenRaw(Stream message, MimePart part) =>
        new ByteRangeStream(message, part.BodyStart, part.BodyOctets, leaveOpen: true);

    /// <summary>The body decoded (base64 and quoted-printable; other encodings pass through).</summary>
    public static Stream OpenDecoded(Stream message, MimePart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return Decode(OpenRaw(message, part), part.TransferEncoding);
    }

    /// <summary>
    /// The body decoded, where <paramref name="openRange"/>(start, length) opens that range of
    /// the message (for example a blob store's ranged read); the returned stream owns it.
    /// </summary>
    public static Stream OpenDecoded(Func<long, long, Stream> openRange, MimePart part)
    {
        ArgumentNullException.ThrowIfNull(openRange);
        ArgumentNullException.ThrowIfNull(part);
        var raw = openRange(part.BodyStart, part.BodyOctets);
        return part.TransferEncoding is TransferEncoding.Base64 or TransferEncoding.QuotedPrintable
            ? new TransferDecodingStream(raw, part.TransferEncoding, leaveOpen: false)
            : raw;
    }

    /// <summary>Wraps an encoded stream in the decoder for <paramref name="encoding"/> (identity for 7bit, 8bit, binary and unknown).</summary>
    public static Stream Decode(Stream encoded, TransferEncoding encoding) =>
        encoding is TransferEncoding.Base64 or TransferEncoding.QuotedPrintable
            ? new TransferDecodingStream(encoded, encoding, leaveOpen: false)
            : encoded;

    /// <summary>Reads and decodes the whole body.</summary>
    public static async Task<byte[]> ReadBytesAsync(Stream message, MimePart part, CancellationToken cancellationToken = default)
    {
        await using var decoded = OpenDecoded(message, part);
        using var buffer = new MemoryStream();
        await decoded.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// Reads the body as text in its charset parameter (unknown or absent: UTF-8 when valid,
    /// else Latin-1). Meant for text parts; the whole text is held in memory.
    /// </summary>
    public static async Task<string> ReadTextAsync(Stream message, MimePart part, CancellationToken cancellationToken = default)
    {
        var bytes = await ReadBytesAsync(message, part, cancellationToken);
        return MimeCharsets.Decode(bytes, part.ContentType.Charset);
    }
}
