namespace Interchange.MailAuth.Dkim;

/// <summary>What the verification of one DKIM-Signature field found.</summary>
/// <param name="Result">The result (RFC 8601 2.7.1).</param>
/// <param name="Domain">The <c>d=</c> tag (the signing domain, used by DMARC alignment), or null when the field had none.</param>
/// <param name="Selector">The <c>s=</c> tag, or null.</param>
/// <param name="Identity">The <c>i=</c> tag (the agent or user identifier), or null.</param>
/// <param name="Algorithm">The <c>a=</c> tag, or null.</param>
/// <param name="SignaturePrefix">The first 8 characters of <c>b=</c> (RFC 6008 <c>header.b</c>: tells two signatures of one domain apart), or null.</param>
/// <param name="Reason">Why it is not a pass, in words for logs and the A-R comment; null on pass.</param>
public sealed record DkimSignatureResult(
    DkimResult Result,
    string? Domain,
    string? Selector,
    string? Identity,
    string? Algorithm,
    string? SignaturePrefix,
    string? Reason = null);
