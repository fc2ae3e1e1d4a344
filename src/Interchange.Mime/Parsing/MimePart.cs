using Interchange.Mime.Encodings;
using Interchange.Mime.Headers;
using Interchange.Mime.Imap;

namespace Interchange.Mime.Parsing;

/// <summary>
/// One node of a parsed message: the message itself, a body part of a multipart, or a message
/// embedded in a message/rfc822 part. Offsets are absolute positions in the original bytes;
/// the bytes themselves stay where they are (the blob) and are never held here, only the
/// header fields are.
/// </summary>
public sealed class MimePart
{
    private readonly List<MimePart> _children = [];
    private ContentDisposition? _disposition;
    private bool _dispositionParsed;
    private IReadOnlyList<string>? _languages;
    private Envelope? _envelope;

    internal MimePart(MimePart? parent, int depth, long headerStart, ContentType defaultType)
    {
        Parent = parent;
        Depth = depth;
        HeaderStart = headerStart;
        BodyStart = headerStart;
        BodyEnd = headerStart;
        ContentType = defaultType;
    }

    public MimePart? Parent { get; }

    /// <summary>0 for the message, one more per multipart or message/rfc822 level.</summary>
    public int Depth { get; }

    /// <summary>Offset of the first header byte.</summary>
    public long HeaderStart { get; }

    /// <summary>Offset of the first body byte: after the blank line that ends the header (or where the header stopped without one).</summary>
    public long BodyStart { get; internal set; }

    /// <summary>Offset just past the last body byte; the line break before a boundary belongs to the boundary (RFC 2046 §5.1.1), not here.</summary>
    public long BodyEnd { get; internal set; }

    /// <summary>The header, blank line included: IMAP's HEADER and MIME sections.</summary>
    public ByteRange HeaderRange => ByteRange.FromBounds(HeaderStart, BodyStart);

    public ByteRange BodyRange => ByteRange.FromBounds(BodyStart, BodyEnd);

    /// <summary>Header and body.</summary>
    public ByteRange Range => ByteRange.FromBounds(HeaderStart, BodyEnd);

    /// <summary>Body size in octets (IMAP body-fld-octets).</summary>
    public long BodyOctets => BodyEnd - BodyStart;

    /// <summary>Line breaks inside the body (IMAP body-fld-lines); an unterminated last line is not counted, as Dovecot does.</summary>
    public long BodyLines { get; internal set; }

    public HeaderList Headers { get; internal set; } = HeaderList.Empty;

    public ContentType ContentType { get; internal set; }

    public MimePartKind Kind { get; internal set; }

    /// <summary>Body parts of a <see cref="MimePartKind.Multipart"/> part, in order.</summary>
    public IReadOnlyList<MimePart> Children => _children;

    /// <summary>The message inside a <see cref="MimePartKind.Message"/> part (its header starts at this part's body).</summary>
    public MimePart? EmbeddedMessage { get; internal set; }

    /// <summary>Text before the first boundary of a multipart (null for other parts).</summary>
    public ByteRange? Preamble { get; internal set; }

    /// <summary>Text after the close delimiter of a multipart; null when there was no close delimiter.</summary>
    public ByteRange? Epilogue { get; internal set; }

    /// <summary>Which parser limits this part hit.</summary>
    public MimeLimits LimitsHit { get; internal set; }

    /// <summary>What was malformed here, and read leniently.</summary>
    public MimeDefects Defects { get; internal set; }

    /// <summary>True for the top-level message and for messages embedded in message/rfc822 parts.</summary>
    public bool IsMessage => Parent is null || ReferenceEquals(Parent.EmbeddedMessage, this);

    /// <summary>Content-Transfer-Encoding as written, lower case; "7bit" when absent.</summary>
    public string TransferEncodingName
    {
        get
        {
            // Some senders quote the token ("base64"); read it anyway.
            var text = StripComment(Headers.GetText("Content-Transfer-Encoding") ?? string.Empty).Trim('"', ' ', '\t');
            return text.Length == 0 ? "7bit" : text.ToLowerInvariant();
        }
    }

    public TransferEncoding TransferEncoding => TransferEncodingName switch
    {
        "7bit" => TransferEncoding.SevenBit,
        "8bit" => TransferEncoding.EightBit,
        "binary" => TransferEncoding.Binary,
        "base64" => TransferEncoding.Base64,
        "quoted-printable" => TransferEncoding.QuotedPrintable,
        _ => TransferEncoding.Unknown,
    };

    /// <summary>Content-ID as written (angle brackets kept).</summary>
    public string? ContentId => Headers.GetText("Content-ID");

    /// <summary>Content-Description as written (encoded words intact; <see cref="HeaderList.GetValue"/> decodes).</summary>
    public string? ContentDescription => Headers.GetText("Content-Description");

    public string? ContentMd5 => Headers.GetText("Content-MD5");

    /// <summary>Content-Location (RFC 2557) with folding whitespace removed.</summary>
    public string? ContentLocation => Headers.GetText("Content-Location") is { } text ? string.Concat(text.Where(c => c is not (' ' or '\t'))) : null;

    public ContentDisposition? ContentDisposition
    {
        get
        {
            if (!_dispositionParsed)
            {
                var header = Headers["Content-Disposition"];
                _disposition = header is null ? null : global::Interchange.Mime.Headers.ContentDisposition.Parse(header.RawValue.Span);
                _dispositionParsed = true;
            }

            return _disposition;
        }
    }

    /// <summary>Content-Language tags (RFC 3282), in order; empty when absent.</summary>
    public IReadOnlyList<string> ContentLanguage => _languages ??= ParseLanguages(Headers.GetText("Content-Language"));

    /// <summary>The ENVELOPE of this part's header; meaningful when <see cref="IsMessage"/>.</summary>
    public Envelope Envelope => _envelope ??= Envelope.FromHeaders(Headers);

    internal List<MimePart> MutableChildren => _children;

    /// <summary>This part and every part below it, depth first, in message order.</summary>
    public IEnumerable<MimePart> DescendantsAndSelf()
    {
        var stack = new Stack<MimePart>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var part = stack.Pop();
            yield return part;
            if (part.EmbeddedMessage is { } embedded)
            {
                stack.Push(embedded);
            }

            for (var i = part._children.Count - 1; i >= 0; i--)
            {
                stack.Push(part._children[i]);
            }
        }
    }

    public override string ToString() => $"{ContentType.MimeType} {Range}";

    private static string StripComment(string text)
    {
        var paren = text.IndexOf('(', StringComparison.Ordinal);
        return (paren < 0 ? text : text[..paren]).Trim();
    }

    private static string[] ParseLanguages(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var i = 0;
        var tags = new List<string>();
        while (i < text.Length)
        {
            HeaderLexer.SkipCfws(text, ref i);
            var start = i;
            while (i < text.Length && text[i] is not (',' or '(') && !HeaderLexer.IsWhitespace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                tags.Add(text[start..i]);
            }

            if (i < text.Length && text[i] == ',')
            {
                i++;
            }
            else if (i == start && i < text.Length && text[i] != '(')
            {
                i++;
            }
        }

        return [.. tags];
    }
}
