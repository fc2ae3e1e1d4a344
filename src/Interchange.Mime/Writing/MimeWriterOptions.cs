namespace Interchange.Mime.Writing;

/// <summary>How <see cref="MimeWriter"/> writes messages.</summary>
public sealed class MimeWriterOptions
{
    public static MimeWriterOptions Default { get; } = new();

    /// <summary>
    /// Write non-ASCII header text as raw UTF-8 (RFC 6532) instead of RFC 2047 encoded words and
    /// RFC 2231 parameters. Only for a transport that negotiated SMTPUTF8.
    /// </summary>
    public bool Utf8Headers { get; init; }

    /// <summary>Header lines fold before this many characters where whitespace allows (RFC 5322 §2.1.1 recommends 78).</summary>
    public int MaxHeaderLineLength { get; init; } = 78;

    /// <summary>Makes multipart boundaries; the default is random. Tests set it for fixed output.</summary>
    public Func<string>? BoundaryFactory { get; init; }
}
