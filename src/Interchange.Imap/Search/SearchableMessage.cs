using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Mime.Encodings;
using Interchange.Mime.Headers;
using Interchange.Mime.Parsing;

namespace Interchange.Imap.Search;

/// <summary>
/// A stored message for SEARCH, over the same <see cref="IFetchableMessage"/> FETCH uses: the
/// structure is parsed and the body text decoded only when a key asks for them, then kept.
/// </summary>
public sealed class SearchableMessage : ISearchableMessage
{
    /// <summary>Decoded text kept per message at most (characters); what lies beyond is not searched.</summary>
    public const int MaxBodyTextChars = 16 * 1024 * 1024;

    private readonly IFetchableMessage _message;
    private string? _bodyText;

    public SearchableMessage(IFetchableMessage message, uint maxSequenceNumber, uint maxUid)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
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

    public HeaderList Headers => _message.GetStructure().Root.Headers;

    public string BodyText => _bodyText ??= ExtractBodyText(_message.GetStructure(), _message.OpenRange);

    /// <summary>
    /// The text of every text/* leaf part (embedded messages' included), decoded from its
    /// transfer encoding and charset, parts separated by a line break.
    /// </summary>
    public static string ExtractBodyText(MessageStructure structure, Func<long, long, Stream> openRange)
    {
        ArgumentNullException.ThrowIfNull(structure);
        var text = new StringBuilder();
        foreach (var part in structure.Parts)
        {
            if (part.Kind != MimePartKind.Leaf || !part.ContentType.IsText || part.BodyOctets == 0)
            {
                continue;
            }

            using var decoded = PartContent.OpenDecoded(openRange, part);
            using var buffer = new MemoryStream();
            decoded.CopyTo(buffer);
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(MimeCharsets.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), part.ContentType.Charset));
            if (text.Length >= MaxBodyTextChars)
            {
                text.Length = MaxBodyTextChars;
                break;
            }
        }

        return text.ToString();
    }
}
