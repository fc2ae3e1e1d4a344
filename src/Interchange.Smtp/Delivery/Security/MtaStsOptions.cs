namespace Interchange.Smtp.Delivery.Security;

/// <summary>MTA-STS for mail out (<c>Transport:Smtp:MtaSts</c>; RFC 8461).</summary>
public sealed class MtaStsOptions
{
    /// <summary>Look up, fetch, cache and apply MTA-STS policies of recipient domains (MX delivery only).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The whole HTTPS fetch (connect, TLS, response) at most; RFC 8461 3.3 recommends a minute.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A longer policy body is refused (RFC 8461 3.3: 64 KiB).</summary>
    public int MaxPolicySize { get; set; } = 64 * 1024;

    /// <summary>After a failed fetch, the same domain and TXT id are not fetched again for this long (RFC 8461 3.3 lets senders rate-limit fetches); zero: every delivery tries.</summary>
    public TimeSpan FetchFailureBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>PEM file of extra certification authorities trusted for the policy host and for MX certificates under MTA-STS (a private PKI, tests); the system's store always counts. Empty: none.</summary>
    public string TrustedCaFile { get; set; } = string.Empty;

    /// <summary>Where policies are kept across restarts; relative to the data folder. Empty: memory only.</summary>
    public string CacheFolder { get; set; } = "mta-sts";
}
