namespace Interchange.MailAuth.Dmarc;

/// <summary>DMARC evaluation settings (<c>MailAuth:Dmarc:*</c>).</summary>
public sealed class DmarcOptions
{
    /// <summary>The public suffix list (Debian's <c>publicsuffix</c>), read once at start.</summary>
    public string PublicSuffixListPath { get; set; } = PublicSuffixList.DefaultPath;

    /// <summary>One <c>_dmarc</c> lookup's bound; past it the result is temperror.</summary>
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest DMARC record read, in characters; a longer TXT record is not used.</summary>
    public int MaxRecordLength { get; set; } = 2048;
}
