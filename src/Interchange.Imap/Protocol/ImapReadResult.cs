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
}
