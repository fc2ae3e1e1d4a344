using System.Security.Authentication;

namespace Interchange.Smtp.Client;

/// <summary>
/// What TLS a session ended up with, for logs and Received-style reporting; when the certificate was
/// not authenticated, why (<see cref="Unverified"/>, also with opportunistic TLS, so an MTA-STS
/// <c>testing</c> policy can report what <c>enforce</c> would have refused).
/// </summary>
public sealed record SmtpTlsOutcome(SmtpTlsLevel Level, SslProtocols Protocol = SslProtocols.None, string? Cipher = null, string? PeerCertificateSubject = null)
{
    public static readonly SmtpTlsOutcome None = new(SmtpTlsLevel.None);

    /// <summary>Why the certificate was not authenticated; null when it was, or without TLS.</summary>
    public PeerCertificateVerdict? Unverified { get; init; }

    /// <summary>How it was authenticated ("PKIX", "DANE-EE 3 1 1"); null when it was not.</summary>
    public string? VerifiedBy { get; init; }

    public override string ToString() => Level == SmtpTlsLevel.None ? "none" : $"{Level.ToString().ToLowerInvariant()} {Protocol} {Cipher}";
}
