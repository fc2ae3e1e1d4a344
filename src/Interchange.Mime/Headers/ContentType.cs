using System.Text;

namespace Interchange.Mime.Headers;

/// <summary>
/// A parsed Content-Type (RFC 2045 §5): type and subtype lower-cased, parameters decoded
/// (RFC 2231). A missing or unreadable header gives the RFC 2045 default, text/plain;
/// charset=us-ascii (message/rfc822 inside multipart/digest, RFC 2046 §5.1.5).
/// </summary>
public sealed class ContentType
{
    public ContentType(string mediaType, string mediaSubtype, ParameterList? parameters = null, bool isDefault = false)
    {
        MediaType = mediaType.ToLowerInvariant();
        MediaSubtype = mediaSubtype.ToLowerInvariant();
        Parameters = parameters ?? ParameterList.Empty;
        IsDefault = isDefault;
    }

    /// <summary>text/plain; charset=us-ascii, the RFC 2045 §5.2 default.</summary>
    public static ContentType TextPlainDefault { get; } =
        new("text", "plain", new ParameterList([new ContentParameter("charset", "us-ascii")]), isDefault: true);

    /// <summary>message/rfc822, the default inside multipart/digest.</summary>
    public static ContentType DigestDefault { get; } = new("message", "rfc822", isDefault: true);

    public string MediaType { get; }

    public string MediaSubtype { get; }

    /// <summary>"type/subtype", lower case.</summary>
    public string MimeType => $"{MediaType}/{MediaSubtype}";

    public ParameterList Parameters { get; }

    /// <summary>True when the part had no usable Content-Type and this is the default.</summary>
    public bool IsDefault { get; }

    public string? Charset => Parameters["charset"];

    public string? Boundary => Parameters["boundary"];

    public string? Name => Parameters["name"];

    public bool IsMultipart => MediaType == "multipart";

    public bool IsText => MediaType == "text";

    /// <summary>message/rfc822 or message/global (RFC 6532 §3.7): content that is itself a message.</summary>
    public bool IsEmbeddedMessage => MediaType == "message" && MediaSubtype is "rfc822" or "global";

    /// <summary>The boundary as bytes on the wire (not re-encoded from the decoded string).</summary>
    internal byte[]? BoundaryBytes => Parameters.Find("boundary") is { } p ? p.RawBytes ?? Encoding.UTF8.GetBytes(p.Value) : null;

    public bool Is(string mediaType, string mediaSubtype) =>
        string.Equals(MediaType, mediaType, StringComparison.OrdinalIgnoreCase)
        && string.Equals(MediaSubtype, mediaSubtype, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a header value; null when it names no type (the caller picks the default).</summary>
    public static ContentType? Parse(string value) => Parse(Encoding.UTF8.GetBytes(value));

    /// <summary>Parses the raw bytes after "Content-Type:"; null when they name no type.</summary>
    public static ContentType? Parse(ReadOnlySpan<byte> rawValue)
    {
        var s = Encoding.Latin1.GetString(rawValue);
        var i = 0;
        HeaderLexer.SkipCfws(s, ref i);
        var type = HeaderLexer.ReadToken(s, ref i);
        HeaderLexer.SkipCfws(s, ref i);
        string subtype;
        if (i < s.Length && s[i] == '/')
        {
            i++;
            HeaderLexer.SkipCfws(s, ref i);
            subtype = HeaderLexer.ReadToken(s, ref i);
        }
        else
        {
            subtype = string.Empty;
        }

        var parameters = ParameterParser.Parse(s, ref i);
        if (type.Length == 0)
        {
            return null;
        }

        if (subtype.Length == 0)
        {
            // "Content-Type: text" or "multipart; boundary=x" are seen in the wild; keep what
            // they evidently meant, and the parameters (the boundary matters).
            subtype = type.ToLowerInvariant() switch
            {
                "text" => "plain",
                "multipart" => "mixed",
                _ => string.Empty,
            };
            if (subtype.Length == 0)
            {
                return null;
            }
        }

        return new ContentType(type, subtype, parameters);
    }

    public override string ToString() => MimeType;
}
