namespace Interchange.Imap.Protocol;

/// <summary>Why a command was refused by the parser.</summary>
public enum ImapParseErrorKind
{
    /// <summary>Not the grammar: missing tag or command, stray character, bad escape, unbalanced parentheses.</summary>
    Syntax,

    /// <summary>A quoted string with NUL, or 8-bit bytes that are not UTF-8, or 8-bit bytes in an atom.</summary>
    InvalidCharacter,

    /// <summary>The command text is longer than <see cref="ImapParserOptions.MaxLineLength"/>.</summary>
    LineTooLong,

    /// <summary>A literal over <see cref="ImapParserOptions.MaxLiteralSize"/>, over 4096 under LITERAL-, or of unreadable size.</summary>
    LiteralTooBig,

    /// <summary>Lists nested deeper than <see cref="ImapParserOptions.MaxNestingDepth"/>.</summary>
    NestingTooDeep,

    /// <summary>More values than <see cref="ImapParserOptions.MaxArguments"/>.</summary>
    TooManyArguments,

    /// <summary>A sequence set with more elements than <see cref="ImapParserOptions.MaxSequenceRanges"/>.</summary>
    TooManySequenceRanges,
}
