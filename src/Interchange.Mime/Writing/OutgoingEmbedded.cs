using System.Buffers;

namespace Interchange.Mime.Writing;

/// <summary>
/// Content copied byte for byte from a stream, not re-encoded: a message/rfc822 attachment
/// (the original message in a DSN or a forward) or text/rfc822-headers. Its transfer encoding
/// is 7bit, 8bit or binary as its bytes require when the stream can seek (it is scanned
/// first), else 8bit unless <see cref="TransferEncodingName"/> says otherwise.
/// </summary>
public sealed class OutgoingEmbedded : OutgoingEntity
{
    private readonly Func<Stream> _open;

    public OutgoingEmbedded(string mediaType, string mediaSubtype, Func<Stream> open)
        : base(mediaType, mediaSubtype)
    {
        ArgumentNullException.ThrowIfNull(open);
        _open = open;
    }

    /// <summary>Overrides the detected Content-Transfer-Encoding ("7bit", "8bit", "binary").</summary>
    public string? TransferEncodingName { get; init; }

    public static OutgoingEmbedded Message(Func<Stream> open) => new("message", "rfc822", open);

    public static OutgoingEmbedded HeaderFields(Func<Stream> open) => new("text", "rfc822-headers", open);

    internal override async Task WriteAsync(MimeWriter writer, Stream output, CancellationToken cancellationToken)
    {
        await using var source = _open();
        var encoding = TransferEncodingName ?? (source.CanSeek ? await DetectAsync(source, cancellationToken) : "8bit");
        await WriteHeaderAsync(writer, output, [], encoding, cancellationToken);
        await source.CopyToAsync(output, cancellationToken);
    }

    private static async Task<string> DetectAsync(Stream source, CancellationToken cancellationToken)
    {
        var start = source.Position;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var eightBit = false;
            var lineLength = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, 64 * 1024), cancellationToken)) > 0)
            {
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (b == 0)
                    {
                        return "binary";
                    }

                    if (b == '\n')
                    {
                        lineLength = 0;
                        continue;
                    }

                    if (++lineLength > 998)
                    {
                        return "binary";
                    }

                    eightBit |= b >= 0x80;
                }
            }

            return eightBit ? "8bit" : "7bit";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            source.Position = start;
        }
    }
}
