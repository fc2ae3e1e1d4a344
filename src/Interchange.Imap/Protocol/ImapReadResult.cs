namespace Interchange.Imap.Protocol;

/// <summary>The outcome of one <see cref="ImapCommandReader.TryRead"/> call.</summary>
public readonly record struct ImapReadResult(ImapReadStatus Status)
{
    public ImapCommand? Command { get; init; }

    public ImapParseError? Error { get; init; }

    /// <summary>For <see cref="ImapReadStatus.NeedContinuation"/>: the announced size, to refuse before reading.</summary>
    public long LiteralLength { get; init; }

    /// <summary>For <see cref="ImapReadStatus.NeedContinuation"/>: the literal is a literal8 (~{n}).</summary>
    public bool IsLiteral8 { get; init; }

    /// <summary>For <see cref="ImapReadStatus.StreamLiteral"/>: {n+}, its bytes follow without waiting for "+".</summary>
    public bool NonSynchronizing { get; init; }

    /// <summary>For <see cref="ImapReadStatus.StreamLiteral"/>: the command's tag, for the reply to a refusal.</summary>
    public string? Tag { get; init; }

    /// <summary>For <see cref="ImapReadStatus.StreamLiteral"/>: the command's value standing for the streamed literal.</summary>
    public ImapValue? Literal { get; init; }
}
