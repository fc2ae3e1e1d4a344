using Interchange.Mime.Parsing;
using Interchange.Storage.Content;

namespace Interchange.Imap.Fetch;

/// <summary>
/// A stored message for FETCH and SEARCH: its bytes are read through its
/// <see cref="MessageContent"/>, which hides how the store keeps them. The structure is parsed on
/// first use, or asked of the caller's source (a cache).
/// </summary>
public sealed class FetchableMessage : IFetchableMessage
{
    private readonly MessageContent _content;
    private readonly Func<FetchableMessage, MessageStructure>? _structureSource;
    private MessageStructure? _structure;

    public FetchableMessage(
        uint sequenceNumber,
        uint uid,
        IReadOnlyList<string> flags,
        DateTimeOffset internalDate,
        ulong modSeq,
        MessageContent content,
        Func<FetchableMessage, MessageStructure>? structure = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        SequenceNumber = sequenceNumber;
        Uid = uid;
        Flags = flags;
        InternalDate = internalDate;
        ModSeq = modSeq;
        _content = content;
        _structureSource = structure;
        Size = content.Length;
    }

    public uint SequenceNumber { get; }

    public uint Uid { get; }

    public IReadOnlyList<string> Flags { get; }

    public DateTimeOffset InternalDate { get; }

    public long Size { get; }

    public ulong ModSeq { get; }

    /// <summary>A message held in memory (tests, APPEND echo).</summary>
    public static FetchableMessage FromBytes(uint sequenceNumber, uint uid, IReadOnlyList<string> flags, DateTimeOffset internalDate, ulong modSeq, byte[] prefix, byte[] blob) =>
        new(sequenceNumber, uid, flags, internalDate, modSeq, new PrefixedContent(prefix, new BytesContent(blob)));

    /// <summary>The parsed message: from the structure source when one was given (a cache, which calls <see cref="ParseStructure"/> on a miss), else parsed here; once per instance.</summary>
    public MessageStructure GetStructure() => _structure ??= _structureSource is { } source ? source(this) : ParseStructure();

    /// <summary>Parses this message's bytes.</summary>
    public MessageStructure ParseStructure()
    {
        using var stream = OpenRange(0, Size);
        return MimeParser.Parse(stream);
    }

    public Stream OpenRange(long offset, long length) => _content.OpenRange(offset, length);
}
