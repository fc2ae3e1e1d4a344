namespace Interchange.Mime.Writing;

/// <summary>
/// A multipart entity (mixed, alternative, related, report...) with a generated boundary.
/// For a DSN: subtype "report" with parameter report-type=delivery-status (RFC 3462).
/// </summary>
public sealed class OutgoingMultipart : OutgoingEntity
{
    public OutgoingMultipart(string mediaSubtype = "mixed")
        : base("multipart", mediaSubtype)
    {
    }

    public IList<OutgoingEntity> Parts { get; } = [];

    internal override async Task WriteAsync(MimeWriter writer, Stream output, CancellationToken cancellationToken)
    {
        var boundary = writer.NewBoundary();
        await WriteHeaderAsync(writer, output, [new("boundary", boundary)], null, cancellationToken);

        // The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), so each
        // part's content is exactly what its entity wrote.
        for (var i = 0; i < Parts.Count; i++)
        {
            await writer.WriteTextAsync(output, i == 0 ? $"--{boundary}\r\n" : $"\r\n--{boundary}\r\n", cancellationToken);
            await Parts[i].WriteAsync(writer, output, cancellationToken);
        }

        await writer.WriteTextAsync(output, Parts.Count == 0 ? $"--{boundary}--\r\n" : $"\r\n--{boundary}--\r\n", cancellationToken);
    }
}
