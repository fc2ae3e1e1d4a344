using Interchange.Mime.Parsing;

namespace Interchange.Imap.Fetch;

/// <summary>
/// What FETCH needs of one message: its metadata, its parsed structure (asked for only when an
/// item needs it) and ranged reads of its bytes. <see cref="FetchableMessage"/> implements it
/// for a stored message (prefix followed by a blob).
/// </summary>
public interface IFetchableMessage
{
    uint SequenceNumber { get; }

    uint Uid { get; }

    IReadOnlyList<string> Flags { get; }

    DateTimeOffset InternalDate { get; }

    /// <summary>The message size in octets (RFC822.SIZE).</summary>
    long Size { get; }

    ulong ModSeq { get; }

    /// <summary>The parsed message; called only for items that need it, and at most once per response.</summary>
    MessageStructure GetStructure();

    /// <summary>Opens <paramref name="length"/> bytes of the message from <paramref name="offset"/> (both within <see cref="Size"/>); the caller disposes the stream.</summary>
    Stream OpenRange(long offset, long length);
}
