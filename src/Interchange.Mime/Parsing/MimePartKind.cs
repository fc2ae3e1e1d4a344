namespace Interchange.Mime.Parsing;

/// <summary>How the parser subdivided a part, which may differ from its content type (a multipart with no boundary, or beyond the depth limit, is a <see cref="Leaf"/>).</summary>
public enum MimePartKind
{
    /// <summary>Opaque content: text, images, or anything not subdivided.</summary>
    Leaf,

    /// <summary>multipart/*: <see cref="MimePart.Children"/> holds the body parts.</summary>
    Multipart,

    /// <summary>message/rfc822 or message/global: <see cref="MimePart.EmbeddedMessage"/> holds the message.</summary>
    Message,
}
