namespace Interchange.Imap.Protocol;

/// <summary>
/// A refused command: the reply to send (tagged when <see cref="Tag"/> is known, "* BAD"
/// otherwise) and what the reader does with the input that follows.
/// </summary>
public sealed record ImapParseError(ImapParseErrorKind Kind, string? Tag, string Message)
{
    /// <summary>BAD for grammar and limits; NO for a synchronizing literal over the size limit (RFC 9051 §7.1: NO [TOOBIG]).</summary>
    public ImapStatus Status { get; init; } = ImapStatus.Bad;

    /// <summary>"TOOBIG" for literals over a limit, else null.</summary>
    public string? ResponseCode { get; init; }

    public ImapErrorRecovery Recovery { get; init; } = ImapErrorRecovery.SkipLine;

    /// <summary>Literal bytes the reader will discard when <see cref="Recovery"/> is <see cref="ImapErrorRecovery.SkipLiteral"/>.</summary>
    public long BytesToSkip { get; init; }
}
