namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// What applies to one delivery attempt to a domain before any host is chosen: its MTA-STS lookup,
/// and whether its MX answer was DNSSEC-validated (only then are TLSA records looked up, RFC 7672
/// 2.2.1). Immutable, made once per attempt.
/// </summary>
public sealed record DomainTlsPolicy(string Domain, MtaStsLookup MtaSts, bool DaneEligible)
{
    /// <summary>For a smart host, an address literal, or with the feature off: nothing beyond the route's TLS.</summary>
    public static DomainTlsPolicy None(string domain) => new(domain, MtaStsLookup.Disabled, false);

    /// <summary>Part of the connection cache's key: a connection made under one policy is not reused under another.</summary>
    public string CacheKey => (MtaSts.Applies ? $"sts:{MtaSts.Policy!.Policy.Mode}:{MtaSts.Policy.Id}" : "sts:-") + (DaneEligible ? "|dane" : "|-");
}
