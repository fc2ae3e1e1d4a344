namespace Interchange.Mime.Writing;

/// <summary>
/// A MIME entity to write: its content type, disposition and extra MIME header fields, and
/// (in the subclasses) its content. Build a tree of these and give it to <see cref="MimeWriter"/>.
/// </summary>
public abstract class OutgoingEntity
{
    private protected OutgoingEntity(string mediaType, string mediaSubtype)
    {
        if (!HeaderFormatter.IsToken(mediaType) || !HeaderFormatter.IsToken(mediaSubtype))
        {
            throw new ArgumentException($"'{mediaType}/{mediaSubtype}' is not a media type (RFC 2045 tokens).");
        }

        MediaType = mediaType.ToLowerInvariant();
        MediaSubtype = mediaSubtype.ToLowerInvariant();
    }

    public string MediaType { get; }

    public string MediaSubtype { get; }

    /// <summary>Content-Type parameters besides those the entity writes itself (charset, boundary, name).</summary>
    public IList<KeyValuePair<string, string>> Parameters { get; } = [];

    /// <summary>"inline" or "attachment"; null writes no Content-Disposition.</summary>
    public string? Disposition { get; set; }

    /// <summary>The Content-Disposition filename (RFC 2231-encoded when not ASCII), also given as Content-Type name for old readers.</summary>
    public string? FileName { get; set; }

    /// <summary>Content-ID, angle brackets included.</summary>
    public string? ContentId { get; set; }

    public string? Description { get; set; }

    /// <summary>More MIME header fields, written as unstructured text after the others.</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>Writes the MIME header fields, the blank line, and the content.</summary>
    internal abstract Task WriteAsync(MimeWriter writer, Stream output, CancellationToken cancellationToken);

    private protected async Task WriteHeaderAsync(MimeWriter writer, Stream output, IEnumerable<KeyValuePair<string, string>> ownParameters, string? transferEncoding, CancellationToken cancellationToken)
    {
        var parameters = ownParameters.Concat(Parameters).ToList();
        if (FileName is not null && Disposition is not null && !parameters.Any(p => p.Key.Equals("name", StringComparison.OrdinalIgnoreCase)))
        {
            parameters.Add(new("name", FileName));
        }

        var text = new System.Text.StringBuilder();
        text.Append(writer.FormatParameterHeader("Content-Type", $"{MediaType}/{MediaSubtype}", parameters));
        if (transferEncoding is not null)
        {
            text.Append(writer.FormatRawHeader("Content-Transfer-Encoding", transferEncoding));
        }

        if (Disposition is not null)
        {
            if (!HeaderFormatter.IsToken(Disposition))
            {
                throw new InvalidOperationException($"'{Disposition}' is not a disposition type (RFC 2183 token).");
            }

            var dispositionParameters = FileName is null ? [] : new[] { new KeyValuePair<string, string>("filename", FileName) };
            text.Append(writer.FormatParameterHeader("Content-Disposition", Disposition, dispositionParameters));
        }

        if (ContentId is not null)
        {
            text.Append(writer.FormatRawHeader("Content-ID", ContentId));
        }

        if (Description is not null)
        {
            text.Append(writer.FormatHeader("Content-Description", Description));
        }

        foreach (var (name, value) in Headers)
        {
            text.Append(writer.FormatHeader(name, value));
        }

        text.Append("\r\n");
        await writer.WriteTextAsync(output, text.ToString(), cancellationToken);
    }
}
