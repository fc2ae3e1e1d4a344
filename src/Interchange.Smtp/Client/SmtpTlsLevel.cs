namespace Interchange.Smtp.Client;

/// <summary>The TLS a session has: none, encrypted without a checked certificate, or a certificate valid for the host.</summary>
public enum SmtpTlsLevel
{
    None,
    Opportunistic,
    Verified,
}
