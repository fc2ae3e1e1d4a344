namespace Interchange.Imap.Protocol;

/// <summary>What happens to the input after a parse error.</summary>
public enum ImapErrorRecovery
{
    /// <summary>The rest of the command line is discarded by the reader; no literal data is coming. The connection goes on.</summary>
    SkipLine,

    /// <summary>
    /// The line announced a non-synchronizing literal, so its bytes are coming anyway; the
    /// reader discards them as they arrive (<see cref="ImapParseError.BytesToSkip"/>), without
    /// buffering, and the rest of the command after them. The connection goes on.
    /// </summary>
    SkipLiteral,

    /// <summary>The literal that is coming is too large to wait out, or its size is unreadable: send the reply and close.</summary>
    CloseConnection,
}
