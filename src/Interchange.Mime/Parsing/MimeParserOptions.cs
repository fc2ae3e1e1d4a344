namespace Interchange.Mime.Parsing;

/// <summary>
/// Limits that bound the parser's memory and work on hostile input. Exceeding one never throws:
/// see <see cref="MimeLimits"/> for what happens instead.
/// </summary>
public sealed class MimeParserOptions
{
    public static MimeParserOptions Default { get; } = new();

    /// <summary>Header fields kept per part; more are counted (<see cref="Headers.HeaderList.TotalCount"/>) but not kept.</summary>
    public int MaxHeaderFields { get; init; } = 1_000;

    /// <summary>Bytes kept of one header field, folding included; a longer field is kept truncated.</summary>
    public int MaxHeaderFieldBytes { get; init; } = 64 * 1024;

    /// <summary>Header bytes kept per part; fields past this are counted but not kept.</summary>
    public int MaxHeaderBytes { get; init; } = 1024 * 1024;

    /// <summary>Nesting depth (the message is depth 0); a multipart or message/rfc822 at this depth is not subdivided.</summary>
    public int MaxDepth { get; init; } = 100;

    /// <summary>Parts per message, the top-level message and embedded messages included.</summary>
    public int MaxParts { get; init; } = 10_000;

    /// <summary>
    /// Lines longer than this set <see cref="MimeLimits.LineLength"/> on their part. It is not a
    /// failure and nothing is split: the parser never buffers a body line, so long lines cost
    /// no memory. 998 is RFC 5322's limit, useful to know before relaying over SMTP.
    /// </summary>
    public int MaxLineLength { get; init; } = 998;
}
