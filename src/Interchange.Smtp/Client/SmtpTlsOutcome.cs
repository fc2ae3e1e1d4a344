using System.Security.Authentication;

namespace Interchange.Smtp.Client;

/// <summary>What TLS a session ended up with, for logs and Received-style reporting.</summary>
public sealed record SmtpTlsOutcome(SmtpTlsLevel Level, SslProtocols Protocol = SslProtocols.None, string? Cipher = null, string? PeerCertificateSubject = null)
{
    public static readonly SmtpTlsOutcome None = new(SmtpTlsLevel.None);

    public override string ToString() => Level == SmtpTlsLevel.None ? "none" : $"{Level.ToString().ToLowerInvariant()} {Protocol} {Cipher}";
}
