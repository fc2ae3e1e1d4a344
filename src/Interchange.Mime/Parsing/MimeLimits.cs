namespace Interchange.Mime.Parsing;

/// <summary>
/// Which <see cref="MimeParserOptions"/> limits a part hit. Hitting one never fails the parse:
/// the part keeps what fitted, and the flag lets the server log or quarantine the message.
/// </summary>
[Flags]
public enum MimeLimits
{
    None = 0,

    /// <summary>More header fields than <see cref="MimeParserOptions.MaxHeaderFields"/>: the rest were counted, not kept.</summary>
    HeaderFields = 1,

    /// <summary>A field longer than <see cref="MimeParserOptions.MaxHeaderFieldBytes"/>: it was kept truncated.</summary>
    HeaderFieldBytes = 2,

    /// <summary>Header bytes beyond <see cref="MimeParserOptions.MaxHeaderBytes"/>: later fields were counted, not kept.</summary>
    HeaderBytes = 4,

    /// <summary>Nested deeper than <see cref="MimeParserOptions.MaxDepth"/>: this part was not subdivided.</summary>
    Depth = 8,

    /// <summary>The message reached <see cref="MimeParserOptions.MaxParts"/>: this part's remaining content was not subdivided.</summary>
    Parts = 16,

    /// <summary>A line longer than <see cref="MimeParserOptions.MaxLineLength"/> (informational; nothing was split).</summary>
    LineLength = 32,
}
