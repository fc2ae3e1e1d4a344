namespace Interchange.Smtp.Delivery.Security;

/// <summary>Which policy governed a session's TLS (the <c>policy</c> of the log line and the metric).</summary>
public enum TlsPolicyKind
{
    /// <summary>TLS not used by configuration (<c>TlsMode</c> None).</summary>
    None,

    /// <summary>STARTTLS when offered, any certificate (RFC 7435); clear otherwise.</summary>
    Opportunistic,

    /// <summary>TLS required by the route or the configuration (no MTA-STS or DANE policy).</summary>
    Required,

    /// <summary>An MTA-STS policy in <c>enforce</c> mode (RFC 8461): a matching MX host, TLS, a PKIX certificate for its name.</summary>
    MtaSts,

    /// <summary>An MTA-STS policy in <c>testing</c> mode: checked and reported, never refused.</summary>
    MtaStsTesting,

    /// <summary>DANE (RFC 7672): TLS required, the certificate matched against validated TLSA records.</summary>
    Dane,
}
