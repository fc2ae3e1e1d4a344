namespace Interchange.MailAuth.Spf;

/// <summary>Limits of an SPF check (<c>MailAuth:Spf</c>). The defaults are RFC 7208's; raising them
/// lets a hostile record make this server send more DNS queries per message.</summary>
public sealed class SpfOptions
{
    /// <summary>Terms that cause DNS queries (include, a, mx, ptr, exists, redirect) per check; one more
    /// is <see cref="SpfResult.PermError"/> (RFC 7208 4.6.4: 10).</summary>
    public int MaxDnsMechanisms { get; set; } = 10;

    /// <summary>Terms whose lookup found nothing (NXDOMAIN or no records) per check; one more is
    /// <see cref="SpfResult.PermError"/> (RFC 7208 4.6.4: "SHOULD limit void lookups to two").</summary>
    public int MaxVoidLookups { get; set; } = 2;

    /// <summary>MX names one <c>mx</c> mechanism may look up; more is <see cref="SpfResult.PermError"/> (RFC 7208 4.6.4: 10).</summary>
    public int MaxMxNames { get; set; } = 10;

    /// <summary>PTR names of the client looked up for <c>ptr</c> and <c>%{p}</c>; the rest are ignored (RFC 7208 4.6.4: 10).</summary>
    public int MaxPtrNames { get; set; } = 10;

    /// <summary>The whole check's time bound; past it the result is <see cref="SpfResult.TempError"/>
    /// (RFC 7208 4.6.4: "at least 20 seconds" for the whole evaluation).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest explanation (<c>exp=</c>, RFC 7208 6.2) kept; a longer one is dropped, because it
    /// ends up in an SMTP reply line (RFC 5321 4.5.3.1.5: 512 octets with the code).</summary>
    public int MaxExplanationLength { get; set; } = 400;

    /// <summary>This host's name for the <c>%{r}</c> macro of explanations (RFC 7208 7.3); "unknown" when null.</summary>
    public string? ReceiverName { get; set; }

    internal void Validate()
    {
        if (MaxDnsMechanisms < 0 || MaxVoidLookups < 0 || MaxMxNames < 0 || MaxPtrNames < 0 || MaxExplanationLength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SpfOptions), "MailAuth:Spf limits must not be negative");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SpfOptions), "MailAuth:Spf:Timeout must be positive");
        }
    }
}
