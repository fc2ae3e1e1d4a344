using Interchange.Imap.Fetch;
using Interchange.Mime.Headers;

namespace Interchange.Imap.Search;

/// <summary>
/// A stored message for SEARCH, over the same <see cref="IFetchableMessage"/> FETCH uses: the
/// structure is parsed only when a key asks for it, and the body text is streamed (never held)
/// through <see cref="BodyTextScan"/>, once for all of a program's strings, charged to the
/// command's <see cref="SearchBudget"/>.
/// </summary>
public sealed class SearchableMessage : ISearchableMessage
{
    private readonly IFetchableMessage _message;
    private readonly SearchBudget _budget;
    private IReadOnlyList<SearchPattern>? _scanned;
    private bool[]? _found;
    private Mime.Parsing.MessageStructure? _structure;

    public SearchableMessage(IFetchableMessage message, uint maxSequenceNumber, uint maxUid, SearchBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
        _budget = budget ?? SearchBudget.Unlimited;
        MaxSequenceNumber = maxSequenceNumber;
        MaxUid = maxUid;
    }

    public uint SequenceNumber => _message.SequenceNumber;

    public uint Uid => _message.Uid;

    public IReadOnlyList<string> Flags => _message.Flags;

    public DateTimeOffset InternalDate => _message.InternalDate;

    public long Size => _message.Size;

    public ulong ModSeq => _message.ModSeq;

    public uint MaxSequenceNumber { get; }

    public uint MaxUid { get; }

    public HeaderList Headers => Structure.Root.Headers;

    private Mime.Parsing.MessageStructure Structure => _structure ??= _message.StructureOrUnparsed();

    public void ChargeHeaderWork(long chars) => _budget.Charge(chars);

    public IReadOnlyList<bool> FindInBody(IReadOnlyList<SearchPattern> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (_found is not null && ReferenceEquals(_scanned, patterns))
        {
            return _found;
        }

        var found = new bool[patterns.Count];
        BodyTextScan.Scan(Structure, _message.OpenRange, patterns, found, _budget);
        (_scanned, _found) = (patterns, found);
        return found;
    }
}
