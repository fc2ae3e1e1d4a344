namespace Interchange.Smtp.Filters;

/// <summary>What the SMTP server does with the results of inbound verification (<c>Smtp:Authentication:*</c>).</summary>
public sealed class SmtpAuthenticationOptions
{
    /// <summary>Verify SPF, DKIM, ARC and DMARC of mail received on port 25 and add Authentication-Results.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The authserv-id of our Authentication-Results fields (RFC 8601 2.5); the server's host name when unset.</summary>
    public string? AuthservId { get; set; }

    /// <summary>A DMARC <c>p=reject</c> failure: refused with 550 at the end of DATA, or filed as junk.</summary>
    public DmarcRejectAction DmarcReject { get; set; } = DmarcRejectAction.Reject;

    /// <summary>An SPF <c>fail</c> (<c>-all</c>) on its own: nothing (DMARC decides, as the large providers do), junk, or 550.</summary>
    public SpfFailAction SpfFail { get; set; } = SpfFailAction.None;
}
