namespace Interchange.Imap.Protocol;

/// <summary>What <see cref="ImapCommandReader.TryRead"/> found.</summary>
public enum ImapReadStatus
{
    /// <summary>A complete command; the buffer was advanced past it.</summary>
    Command,

    /// <summary>Read more and call again; the buffer was advanced past anything discarded, nothing else.</summary>
    NeedMoreData,

    /// <summary>
    /// A synchronizing literal {n} was announced: send "+ Ready" (or refuse it with
    /// <see cref="ImapCommandReader.RefuseContinuation"/> and a tagged NO/BAD), then read and call again.
    /// </summary>
    NeedContinuation,

    /// <summary>The command is malformed or over a limit; answer with <see cref="ImapReadResult.Error"/>.</summary>
    Error,

    /// <summary>
    /// A literal of a command whose literals are streamed (<see cref="ImapParserOptions.StreamedLiteralCommands"/>):
    /// the buffer now starts where its bytes start. The caller either takes the
    /// <see cref="ImapReadResult.LiteralLength"/> bytes itself (after "+ Ready" for a synchronizing
    /// one), sets <see cref="ImapReadResult.Literal"/>'s content, and calls again for the rest of the
    /// command; or refuses it: <see cref="ImapCommandReader.RefuseContinuation"/> for a
    /// synchronizing literal, <see cref="ImapCommandReader.SkipLiteral"/> for one already on its way.
    /// </summary>
    StreamLiteral,
}
