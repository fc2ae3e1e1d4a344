using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Spf;

namespace Interchange.MailAuth;

/// <summary>The results of verifying one message, the field to add, and what DMARC asks to be done.</summary>
/// <param name="Spf">SPF of the MAIL FROM identity (HELO standing in for the null reverse-path).</param>
/// <param name="Dkim">One result per DKIM-Signature field, empty when unsigned.</param>
/// <param name="Arc">The ARC chain.</param>
/// <param name="Dmarc">DMARC, from the above.</param>
/// <param name="AuthenticationResults">The whole <c>Authentication-Results: ...</c> field, folded, without the final CRLF:
/// prepend it to the message (after removing the fields that claim our id: <see cref="Results.AuthenticationResultsScanner"/>).</param>
/// <param name="Disposition">What DMARC asks: <see cref="DmarcPolicy.Reject"/> (550 at end of data),
/// <see cref="DmarcPolicy.Quarantine"/> (Junk), or <see cref="DmarcPolicy.None"/>.</param>
/// <param name="TimedOut">Some part did not finish within <see cref="MailAuthOptions.TotalTimeout"/> and is temperror.</param>
public sealed record AuthenticationVerdict(
    SpfOutcome Spf,
    IReadOnlyList<DkimSignatureResult> Dkim,
    ArcOutcome Arc,
    DmarcOutcome Dmarc,
    string AuthenticationResults,
    DmarcPolicy Disposition,
    bool TimedOut);
