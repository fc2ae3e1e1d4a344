namespace Interchange.Smtp.Client;

/// <summary>What a certificate check found: authenticated, or why not (an RFC 8460 type and words for the log).</summary>
public sealed record PeerCertificateVerdict(bool Authenticated, SmtpTlsFailure? Failure, string Detail)
{
    public static PeerCertificateVerdict Valid(string detail) => new(true, null, detail);

    public static PeerCertificateVerdict Invalid(SmtpTlsFailure failure, string detail) => new(false, failure, detail);
}
