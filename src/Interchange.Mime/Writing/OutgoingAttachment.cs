using Interchange.Mime.Encodings;

namespace Interchange.Mime.Writing;

/// <summary>Binary content written as base64 (76-character lines), streamed from its source.</summary>
public sealed class OutgoingAttachment : OutgoingEntity
{
    private readonly Func<Stream> _open;

    /// <summary>Content opened (and disposed) when written; a large file never sits in memory.</summary>
    public OutgoingAttachment(string mediaType, string mediaSubtype, Func<Stream> open, string? fileName = null)
        : base(mediaType, mediaSubtype)
    {
        ArgumentNullException.ThrowIfNull(open);
        _open = open;
        FileName = fileName;
        Disposition = "attachment";
    }

    public OutgoingAttachment(string mediaType, string mediaSubtype, byte[] content, string? fileName = null)
        : this(mediaType, mediaSubtype, () => new MemoryStream(content, writable: false), fileName)
    {
    }

    internal override async Task WriteAsync(MimeWriter writer, Stream output, CancellationToken cancellationToken)
    {
        await WriteHeaderAsync(writer, output, [], "base64", cancellationToken);
        await using var source = _open();
        await Base64Encoder.EncodeAsync(source, output, Base64Encoder.DefaultLineLength, cancellationToken);
    }
}
