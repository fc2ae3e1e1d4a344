using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Client;

/// <summary>
/// The envelope of one outbound transaction: reverse-path, recipients (all for one destination)
/// and the message-level parameters. <see cref="EnvelopeId"/> is the decoded ENVID (it is
/// xtext-encoded on the wire); <see cref="SmtpUtf8"/> says the message needs SMTPUTF8 (RFC 6531).
/// </summary>
public sealed record SmtpOutboundEnvelope(
    SmtpPath ReversePath,
    IReadOnlyList<SmtpOutboundRecipient> Recipients,
    SmtpBodyType BodyType = SmtpBodyType.SevenBit,
    bool SmtpUtf8 = false,
    string? EnvelopeId = null,
    SmtpDsnReturn Return = SmtpDsnReturn.Unspecified)
{
    /// <summary>
    /// Builds an envelope from the queue's strings: <paramref name="bodyType"/> as in BODY=
    /// (null, 7BIT, 8BITMIME, BINARYMIME), <paramref name="ret"/> as in RET= (FULL, HDRS or null).
    /// </summary>
    public static SmtpOutboundEnvelope From(string reversePath, IEnumerable<SmtpOutboundRecipient> recipients, string? bodyType, bool smtpUtf8, string? envelopeId, string? ret)
    {
        ArgumentNullException.ThrowIfNull(reversePath);
        var text = reversePath.StartsWith('<') ? reversePath : $"<{reversePath}>";
        if (!SmtpPath.TryParse(text, out var path, out _, out var error))
        {
            throw new FormatException($"reverse-path {reversePath}: {error}");
        }

        var body = bodyType?.ToUpperInvariant() switch
        {
            null or "" or "7BIT" => SmtpBodyType.SevenBit,
            "8BITMIME" => SmtpBodyType.EightBitMime,
            "BINARYMIME" => SmtpBodyType.BinaryMime,
            _ => throw new FormatException($"unknown BODY type {bodyType}"),
        };
        var dsnReturn = ret?.ToUpperInvariant() switch
        {
            "FULL" => SmtpDsnReturn.Full,
            "HDRS" => SmtpDsnReturn.Headers,
            _ => SmtpDsnReturn.Unspecified,
        };
        return new SmtpOutboundEnvelope(path, recipients.ToList(), body, smtpUtf8, envelopeId, dsnReturn);
    }
}
