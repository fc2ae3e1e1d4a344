using Interchange.Mime.Parsing;

namespace Interchange.Imap.Fetch;

/// <summary>
/// A stored message for FETCH: its bytes are <c>prefix</c> (the trace fields added on
/// delivery, kept outside the blob) followed by the blob, read through
/// <c>openBlobRange(offset, length)</c>. The structure is parsed on first use, or asked of the
/// caller's source (a cache).
/// </summary>
public sealed class FetchableMessage : IFetchableMessage
{
    private readonly byte[] _prefix;
    private readonly Func<long, long, Stream> _openBlobRange;
    private readonly Func<FetchableMessage, MessageStructure>? _structureSource;
    private MessageStructure? _structure;

    public FetchableMessage(
        uint sequenceNumber,
        uint uid,
        IReadOnlyList<string> flags,
        DateTimeOffset internalDate,
        ulong modSeq,
        byte[] prefix,
        long blobLength,
        Func<long, long, Stream> openBlobRange,
        Func<FetchableMessage, MessageStructure>? structure = null)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(openBlobRange);
        SequenceNumber = sequenceNumber;
        Uid = uid;
        Flags = flags;
        InternalDate = internalDate;
        ModSeq = modSeq;
        _prefix = prefix;
        _openBlobRange = openBlobRange;
        _structureSource = structure;
        Size = prefix.LongLength + blobLength;
    }

    public uint SequenceNumber { get; }

    public uint Uid { get; }

    public IReadOnlyList<string> Flags { get; }

    public DateTimeOffset InternalDate { get; }

    public long Size { get; }

    public ulong ModSeq { get; }

    /// <summary>A message held in memory (tests, APPEND echo).</summary>
    public static FetchableMessage FromBytes(uint sequenceNumber, uint uid, IReadOnlyList<string> flags, DateTimeOffset internalDate, ulong modSeq, byte[] prefix, byte[] blob) =>
        new(sequenceNumber, uid, flags, internalDate, modSeq, prefix, blob.LongLength, (offset, length) => new MemoryStream(blob, checked((int)offset), checked((int)length), writable: false));

    /// <summary>The parsed message: from the structure source when one was given (a cache, which calls <see cref="ParseStructure"/> on a miss), else parsed here; once per instance.</summary>
    public MessageStructure GetStructure() => _structure ??= _structureSource is { } source ? source(this) : ParseStructure();

    /// <summary>Parses this message's bytes.</summary>
    public MessageStructure ParseStructure()
    {
        using var stream = OpenRange(0, Size);
        return MimeParser.Parse(stream);
    }

    public Stream OpenRange(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Size);
        var prefixLength = _prefix.LongLength;
        if (offset >= prefixLength)
        {
            return _openBlobRange(offset - prefixLength, length);
        }

        var fromPrefix = Math.Min(length, prefixLength - offset);
        var head = new MemoryStream(_prefix, (int)offset, (int)fromPrefix, writable: false);
        return fromPrefix == length ? head : new ConcatenatedStream(head, () => _openBlobRange(0, length - fromPrefix));
    }
}
