using Interchange.Mime.Imap;

namespace Interchange.Imap.Fetch;

/// <summary>
/// One parsed FETCH data item. Section items carry the part path and what follows it; the
/// <see cref="ResponseName"/> is the name echoed in the response, without the partial origin.
/// </summary>
public sealed class FetchItem
{
    internal FetchItem(FetchItemKind kind, string responseName)
    {
        Kind = kind;
        ResponseName = responseName;
    }

    public FetchItemKind Kind { get; }

    /// <summary>The name in the FETCH response: "BODY[HEADER.FIELDS (From To)]" for BODY.PEEK[HEADER.FIELDS (From To)]&lt;0.10&gt;.</summary>
    public string ResponseName { get; }

    /// <summary>Part numbers of a section ("1.2" is [1, 2]); empty for the message itself.</summary>
    public IReadOnlyList<int> Part { get; init; } = [];

    /// <summary>What the section selects after the part numbers: <see cref="SectionKind.Content"/> when nothing follows them.</summary>
    public SectionKind SectionText { get; init; } = SectionKind.Content;

    /// <summary>The names of HEADER.FIELDS and HEADER.FIELDS.NOT, as the client wrote them.</summary>
    public IReadOnlyList<string> FieldNames { get; init; } = [];

    /// <summary>BODY.PEEK or BINARY.PEEK: does not set \Seen.</summary>
    public bool Peek { get; init; }

    /// <summary>The partial's first octet, or null without a partial.</summary>
    public uint? PartialOrigin { get; init; }

    /// <summary>The partial's maximum length (non-zero), or null without a partial.</summary>
    public uint? PartialCount { get; init; }

    /// <summary>The section as <see cref="Interchange.Mime.Imap.ImapSection"/> reads it ("1.2", "HEADER", "3.TEXT").</summary>
    public string SectionPath => string.Join('.', Part) switch
    {
        var part when SectionText == SectionKind.Content => part,
        "" => SectionKeyword,
        var part => part + "." + SectionKeyword,
    };

    /// <summary>True when fetching this item sets \Seen (RFC 3501: BODY[...], RFC822, RFC822.TEXT; RFC 3516: BINARY[...]).</summary>
    public bool SetsSeen => Kind switch
    {
        FetchItemKind.Rfc822 or FetchItemKind.Rfc822Text => true,
        FetchItemKind.BodySection or FetchItemKind.Binary => !Peek,
        _ => false,
    };

    /// <summary>True when the item needs the parsed MIME structure.</summary>
    public bool NeedsStructure => Kind is FetchItemKind.Envelope or FetchItemKind.Body or FetchItemKind.BodyStructure
        or FetchItemKind.Rfc822Header or FetchItemKind.Rfc822Text or FetchItemKind.Binary or FetchItemKind.BinarySize
        || (Kind == FetchItemKind.BodySection && (Part.Count > 0 || SectionText != SectionKind.Content));

    private string SectionKeyword => SectionText switch
    {
        SectionKind.Header => "HEADER",
        SectionKind.HeaderFields => "HEADER.FIELDS",
        SectionKind.HeaderFieldsNot => "HEADER.FIELDS.NOT",
        SectionKind.Text => "TEXT",
        SectionKind.Mime => "MIME",
        _ => string.Empty,
    };

    public override string ToString() => PartialOrigin is { } origin ? $"{ResponseName}<{origin}.{PartialCount}>" : ResponseName;
}
