using Interchange.Mime.Headers;

namespace Interchange.Imap.Search;

/// <summary>
/// What SEARCH needs of one message. The header fields and the body text are asked for only by
/// keys that need them (FROM, HEADER, BODY, TEXT...), so an implementation should produce them
/// lazily and keep them for the rest of the evaluation.
/// </summary>
public interface ISearchableMessage
{
    uint SequenceNumber { get; }

    uint Uid { get; }

    IReadOnlyList<string> Flags { get; }

    DateTimeOffset InternalDate { get; }

    long Size { get; }

    ulong ModSeq { get; }

    /// <summary>The number "*" stands for in a sequence set: the mailbox's message count.</summary>
    uint MaxSequenceNumber { get; }

    /// <summary>The number "*" stands for in UID sets: the highest UID in the mailbox.</summary>
    uint MaxUid { get; }

    /// <summary>The top-level header fields; <see cref="HeaderField.Value"/> gives the RFC 2047-decoded value.</summary>
    HeaderList Headers { get; }

    /// <summary>
    /// For each pattern, whether it occurs in the text of one of the message's text parts
    /// (transfer encodings and charsets decoded). Called with the same list for every key of a
    /// program, so an implementation reads the text once, for all of them, and keeps the answer.
    /// </summary>
    IReadOnlyList<bool> FindInBody(IReadOnlyList<SearchPattern> patterns);

    /// <summary>Charges the command's work budget for matching a string against <paramref name="chars"/> characters of header text (throws past it).</summary>
    void ChargeHeaderWork(long chars)
    {
    }
}
