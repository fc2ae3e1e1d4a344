namespace Interchange.Smtp.Client;

/// <summary>The body a message declares in MAIL FROM's BODY parameter (RFC 6152, RFC 3030).</summary>
public enum SmtpBodyType
{
    SevenBit,
    EightBitMime,
    BinaryMime,
}
