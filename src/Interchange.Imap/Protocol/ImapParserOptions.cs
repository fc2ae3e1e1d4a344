namespace Interchange.Imap.Protocol;

/// <summary>
/// Limits of the command parser (ARCHITECTURE.md section 8): every one is checked before the
/// bytes it guards are buffered, so a hostile client costs at most these amounts per command.
/// </summary>
public sealed record ImapParserOptions
{
    /// <summary>The defaults: generous for real clients (Thunderbird's longest UID sets stay well under), small for an attacker.</summary>
    public static ImapParserOptions Default { get; } = new();

    /// <summary>Bytes of command text, literal contents excluded, CRLFs included, summed over the lines of one command.</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    /// <summary>Bytes of literal contents in one command, all literals together (APPEND's message is one).</summary>
    public long MaxLiteralSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>Parenthesised lists open at once.</summary>
    public int MaxNestingDepth { get; init; } = 32;

    /// <summary>Ranges and single numbers in one sequence set.</summary>
    public int MaxSequenceRanges { get; init; } = 10_000;

    /// <summary>Values in one command after the command name, nested ones included.</summary>
    public int MaxArguments { get; init; } = 10_000;

    /// <summary>
    /// How non-synchronizing literals are accepted: LITERAL+ (RFC 7888, any size up to
    /// <see cref="MaxLiteralSize"/>) or LITERAL- (at most 4096 bytes; IMAP4rev2 requires it).
    /// </summary>
    public bool LiteralMinus { get; init; }

    /// <summary>
    /// A refused non-synchronizing literal still arrives; up to this many bytes the reader
    /// discards it (nothing is buffered) and the connection goes on; beyond it the result says
    /// to close the connection.
    /// </summary>
    public long MaxDiscardedLiteralSize { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Commands whose literals after the first argument are handed to the caller to stream
    /// (<see cref="ImapReadStatus.StreamLiteral"/>) rather than buffered: APPEND's message goes
    /// to storage as it arrives. Their size is the caller's to limit; they do not count towards
    /// <see cref="MaxLiteralSize"/>.
    /// </summary>
    public IReadOnlyList<string> StreamedLiteralCommands { get; init; } = [];

    /// <summary>RFC 7888 §4: the LITERAL- ceiling for non-synchronizing literals.</summary>
    public const int LiteralMinusLimit = 4096;
}
