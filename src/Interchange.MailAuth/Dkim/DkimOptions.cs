namespace Interchange.MailAuth.Dkim;

/// <summary>DKIM verification limits and the key cache (<c>MailAuth:Dkim:*</c>).</summary>
public sealed class DkimOptions
{
    /// <summary>Signatures verified per message (RFC 6376 6.1 lets a verifier limit them); later ones are neutral.</summary>
    public int MaxSignatures { get; set; } = 5;

    /// <summary>Accept rsa-sha1 signatures (RFC 8301 3.1: verifiers must not; off gives result policy).</summary>
    public bool AllowRsaSha1 { get; set; }

    /// <summary>Smallest RSA key accepted, in bits (RFC 8301 3.2: 1024); smaller gives result policy.</summary>
    public int MinimumRsaKeyBits { get; set; } = 1024;

    /// <summary>How long a key found is reused without asking DNS again (DnsClient's own cache also honours the record's TTL).</summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long "no key" or an unusable key is remembered.</summary>
    public TimeSpan KeyCacheNegativeTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most keys held; past it, expired entries and then arbitrary ones are dropped.</summary>
    public int KeyCacheMaxEntries { get; set; } = 10_000;

    /// <summary>One key lookup's bound; past it the signature is a temperror.</summary>
    public TimeSpan KeyLookupTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest key record read, in characters (a 4096-bit RSA key is about 750); longer is a permerror.</summary>
    public int MaxKeyRecordLength { get; set; } = 4096;

    /// <summary>Largest RSA modulus accepted, in bits (RFC 8301 3.2 asks verifiers to handle up to 4096); larger is a permerror.</summary>
    public int MaxRsaKeyBits { get; set; } = 8192;
}
