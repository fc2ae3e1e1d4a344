namespace Interchange.Mime.Parsing;

/// <summary>What was malformed about a part, and how the parser read it anyway.</summary>
[Flags]
public enum MimeDefects
{
    None = 0,

    /// <summary>A line ended in LF without CR.</summary>
    BareLineFeed = 1,

    /// <summary>A CR not followed by LF: a line break while no LF has been seen (a CR-only message), data after that.</summary>
    BareCarriageReturn = 2,

    /// <summary>NUL bytes in the part's own lines (kept as data).</summary>
    NulBytes = 4,

    /// <summary>Header bytes outside ASCII: decoded as UTF-8 when valid (RFC 6532), else Latin-1.</summary>
    EightBitHeader = 8,

    /// <summary>A header line that is not a field (no colon, or a fold with no field): skipped, the header read on; a line starting "--" ends the header and starts the body.</summary>
    InvalidHeaderLine = 16,

    /// <summary>The header block ended at a boundary or at the end of the input, with no blank line.</summary>
    UnterminatedHeader = 32,

    /// <summary>multipart/* without a boundary parameter: read as a single opaque part.</summary>
    MissingBoundary = 64,

    /// <summary>The boundary never appeared: the whole body is preamble and there are no children.</summary>
    NoDelimiter = 128,

    /// <summary>The multipart ended (at an outer boundary or the end of input) without its close delimiter.</summary>
    MissingCloseDelimiter = 256,

    /// <summary>A line started with CR CR LF (or more CRs): read as one line break.</summary>
    RepeatedCarriageReturn = 512,
}
