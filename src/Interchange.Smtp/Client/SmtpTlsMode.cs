namespace Interchange.Smtp.Client;

/// <summary>
/// How the client uses STARTTLS (RFC 3207), named after Postfix's <c>smtp_tls_security_level</c>.
/// </summary>
public enum SmtpTlsMode
{
    /// <summary>Never STARTTLS (for a retry in clear after an opportunistic handshake failed).</summary>
    None,

    /// <summary>STARTTLS when offered, certificate not checked (RFC 7435 opportunistic security); in clear otherwise.</summary>
    May,

    /// <summary>STARTTLS required, certificate not checked; without it the delivery fails temporarily.</summary>
    Encrypt,

    /// <summary>STARTTLS required and the certificate must be valid for <see cref="SmtpTarget.HostName"/>.</summary>
    Verify,
}
