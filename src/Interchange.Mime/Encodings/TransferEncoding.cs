namespace Interchange.Mime.Encodings;

/// <summary>Content-Transfer-Encoding (RFC 2045 §6) as far as decoding is concerned.</summary>
public enum TransferEncoding
{
    /// <summary>7bit, the default when the header is absent.</summary>
    SevenBit,
    EightBit,
    Binary,
    Base64,
    QuotedPrintable,

    /// <summary>A name this library does not decode (x-uuencode, garbage): the content is served as is.</summary>
    Unknown,
}
