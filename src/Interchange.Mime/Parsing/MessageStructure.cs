using Interchange.Mime.Headers;
using Interchange.Mime.Imap;

namespace Interchange.Mime.Parsing;

/// <summary>
/// The result of one pass over a message: the tree of parts with absolute offsets, enough to
/// answer IMAP's ENVELOPE, BODYSTRUCTURE and BODY[section] from the stored bytes without
/// parsing them again.
/// </summary>
public sealed class MessageStructure
{
    internal MessageStructure(MimePart root, long length, int partCount)
    {
        Root = root;
        Length = length;
        PartCount = partCount;
    }

    /// <summary>
    /// The structure to show for a message whose reading failed (a bug its bytes reached): no
    /// header and one text/plain body of all <paramref name="length"/> bytes, so IMAP still
    /// answers with the raw bytes, as RFC 2047 §6.3 allows for what cannot be decoded.
    /// </summary>
    public static MessageStructure Unparsed(long length)
    {
        var root = new MimePart(null, 0, 0, ContentType.TextPlainDefault) { BodyEnd = length };
        return new MessageStructure(root, length, 1);
    }

    /// <summary>The top-level message (HeaderStart 0, BodyEnd <see cref="Length"/>).</summary>
    public MimePart Root { get; }

    /// <summary>Bytes parsed: the message size.</summary>
    public long Length { get; }

    /// <summary>Parts created, the message and embedded messages included.</summary>
    public int PartCount { get; }

    public Envelope Envelope => Root.Envelope;

    /// <summary>Every part, depth first, in message order.</summary>
    public IEnumerable<MimePart> Parts => Root.DescendantsAndSelf();

    /// <summary>Limits hit anywhere in the message.</summary>
    public MimeLimits LimitsHit => Parts.Aggregate(MimeLimits.None, (all, p) => all | p.LimitsHit);

    /// <summary>Defects found anywhere in the message.</summary>
    public MimeDefects Defects => Parts.Aggregate(MimeDefects.None, (all, p) => all | p.Defects);

    /// <summary>
    /// Resolves an IMAP section specification ("", "1.2", "2.HEADER", "3.TEXT", "1.MIME",
    /// "HEADER.FIELDS (From To)") to a range of the original bytes, per RFC 3501 §6.4.5; null
    /// when the message has no such section.
    /// </summary>
    public SectionRange? ResolveSection(string section) => ImapSection.Resolve(Root, section);
}
