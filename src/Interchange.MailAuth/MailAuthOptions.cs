using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;

namespace Interchange.MailAuth;

/// <summary>Inbound verification settings (<c>MailAuth:*</c>).</summary>
public sealed class MailAuthOptions
{
    /// <summary>The whole verification of one message (SPF, DKIM, ARC, DMARC) ends within this; what is
    /// unfinished then is temperror.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>SPF limits (<c>MailAuth:Spf:*</c>).</summary>
    public Spf.SpfOptions Spf { get; set; } = new();

    public DkimOptions Dkim { get; set; } = new();

    public DmarcOptions Dmarc { get; set; } = new();
}
