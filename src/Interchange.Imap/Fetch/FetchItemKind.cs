namespace Interchange.Imap.Fetch;

/// <summary>A FETCH data item (RFC 3501 §6.4.5, RFC 9051 §6.4.5, RFC 3516, RFC 7162).</summary>
public enum FetchItemKind
{
    Flags,
    Uid,
    InternalDate,
    Rfc822Size,

    /// <summary>RFC822: the whole message, as BODY[] but echoed as RFC822; sets \Seen.</summary>
    Rfc822,

    /// <summary>RFC822.HEADER: as BODY.PEEK[HEADER].</summary>
    Rfc822Header,

    /// <summary>RFC822.TEXT: as BODY[TEXT]; sets \Seen.</summary>
    Rfc822Text,
    Envelope,

    /// <summary>BODY without a section: the non-extensible BODYSTRUCTURE.</summary>
    Body,
    BodyStructure,

    /// <summary>BODY[section]&lt;partial&gt; and BODY.PEEK[...].</summary>
    BodySection,

    /// <summary>BINARY[part]&lt;partial&gt; and BINARY.PEEK[...] (RFC 3516).</summary>
    Binary,

    /// <summary>BINARY.SIZE[part] (RFC 3516).</summary>
    BinarySize,

    /// <summary>MODSEQ (RFC 7162).</summary>
    ModSeq,
}
