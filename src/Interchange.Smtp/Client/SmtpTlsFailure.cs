namespace Interchange.Smtp.Client;

/// <summary>
/// Why a session's TLS fell short of its policy, in the result types of SMTP TLS Reporting
/// (RFC 8460 4.3), so a report sender can count them as they are (<see cref="SmtpTlsFailures.Rfc8460Name"/>).
/// </summary>
public enum SmtpTlsFailure
{
    /// <summary>4.3.1: the peer did not offer STARTTLS, or refused it.</summary>
    StarttlsNotSupported,

    /// <summary>4.3.1: the certificate does not name the host (RFC 6125).</summary>
    CertificateHostMismatch,

    /// <summary>4.3.1: the certificate (or one of its chain) has expired or is not valid yet.</summary>
    CertificateExpired,

    /// <summary>4.3.1: the chain does not lead to a trusted anchor.</summary>
    CertificateNotTrusted,

    /// <summary>4.3.1: another failure of the negotiation or of validation (a DANE mismatch among them).</summary>
    ValidationFailure,

    /// <summary>4.3.2.1: the TLSA records are not usable for SMTP (RFC 7672 3.1).</summary>
    TlsaInvalid,

    /// <summary>4.3.2.1: no valid answer from the validating resolver (a TLSA lookup that failed).</summary>
    DnssecInvalid,

    /// <summary>4.3.2.1: DANE is required for the destination but no validated TLSA records were found.</summary>
    DaneRequired,

    /// <summary>4.3.2.2: the MTA-STS policy could not be fetched.</summary>
    StsPolicyFetchError,

    /// <summary>4.3.2.2: the MTA-STS policy fetched is not valid (syntax, media type), or the MX host is not in it.</summary>
    StsPolicyInvalid,

    /// <summary>4.3.2.2: the certificate of the MTA-STS policy host did not validate.</summary>
    StsWebpkiInvalid,
}
