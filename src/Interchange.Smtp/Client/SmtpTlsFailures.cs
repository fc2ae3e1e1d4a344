namespace Interchange.Smtp.Client;

/// <summary>Names of <see cref="SmtpTlsFailure"/> as RFC 8460 4.3 spells them ("certificate-host-mismatch").</summary>
public static class SmtpTlsFailures
{
    public static string Rfc8460Name(this SmtpTlsFailure failure) => failure switch
    {
        SmtpTlsFailure.StarttlsNotSupported => "starttls-not-supported",
        SmtpTlsFailure.CertificateHostMismatch => "certificate-host-mismatch",
        SmtpTlsFailure.CertificateExpired => "certificate-expired",
        SmtpTlsFailure.CertificateNotTrusted => "certificate-not-trusted",
        SmtpTlsFailure.ValidationFailure => "validation-failure",
        SmtpTlsFailure.TlsaInvalid => "tlsa-invalid",
        SmtpTlsFailure.DnssecInvalid => "dnssec-invalid",
        SmtpTlsFailure.DaneRequired => "dane-required",
        SmtpTlsFailure.StsPolicyFetchError => "sts-policy-fetch-error",
        SmtpTlsFailure.StsPolicyInvalid => "sts-policy-invalid",
        SmtpTlsFailure.StsWebpkiInvalid => "sts-webpki-invalid",
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
