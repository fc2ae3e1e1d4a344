namespace Interchange.MailAuth.Dmarc;

/// <summary>What DMARC evaluation found, and what to do.</summary>
/// <param name="Result">The DMARC result.</param>
/// <param name="FromDomain">The author domain (RFC5322.From), or null when there is no single one.</param>
/// <param name="OrganizationalDomain">The From domain's organisational domain (3.2), or null.</param>
/// <param name="RecordDomain">Where the record was found (the From domain or the organisational domain), or null.</param>
/// <param name="Record">The record, or null.</param>
/// <param name="Policy">The policy the record requests for this domain (sp= for a subdomain found at the organisational domain), null without a record.</param>
/// <param name="Disposition">What to do: the policy on fail after pct= sampling (6.6.4), else none.</param>
/// <param name="SpfAligned">SPF passed for a domain aligned with the From domain.</param>
/// <param name="DkimAligned">A DKIM signature passed for a d= aligned with the From domain.</param>
/// <param name="Reason">Why not pass, in words for logs.</param>
public sealed record DmarcOutcome(
    DmarcResult Result,
    string? FromDomain,
    string? OrganizationalDomain,
    string? RecordDomain,
    DmarcRecord? Record,
    DmarcPolicy? Policy,
    DmarcPolicy Disposition,
    bool SpfAligned,
    bool DkimAligned,
    string? Reason = null);
