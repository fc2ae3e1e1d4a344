using Interchange.Mime.Parsing;

namespace Interchange.Mime.Imap;

/// <summary>
/// A resolved IMAP section: the bytes of the original message to send (<see cref="Range"/>),
/// and the part they belong to (for HEADER.FIELDS filtering, the part whose headers to filter).
/// </summary>
public sealed record SectionRange(ByteRange Range, SectionKind Kind, MimePart Part)
{
    /// <summary>The field names of HEADER.FIELDS and HEADER.FIELDS.NOT, as given; empty otherwise.</summary>
    public IReadOnlyList<string> FieldNames { get; init; } = [];
}
