namespace Interchange.Mime.Imap;

/// <summary>What an IMAP section specification (RFC 3501 §6.4.5) selected.</summary>
public enum SectionKind
{
    /// <summary>BODY[]: the whole message (or, under a part number, that part's content).</summary>
    Content,

    /// <summary>HEADER: a message's header, blank line included.</summary>
    Header,

    /// <summary>HEADER.FIELDS (...): the header range; the IMAP layer filters <see cref="SectionRange.FieldNames"/> from <see cref="SectionRange.Part"/>'s headers.</summary>
    HeaderFields,

    /// <summary>HEADER.FIELDS.NOT (...): as <see cref="HeaderFields"/>, excluding the names.</summary>
    HeaderFieldsNot,

    /// <summary>TEXT: a message's body.</summary>
    Text,

    /// <summary>MIME: a body part's MIME header.</summary>
    Mime,
}
