using System.Security.Cryptography.X509Certificates;

namespace Interchange.Smtp.Client;

/// <summary>
/// Settings of an outbound session (configuration section <c>Transport:Smtp</c>, see
/// docs/CONFIGURATION.md); TLS mode and credentials come per route. Timeouts follow RFC 5321
/// 4.5.3.2; each bounds one wait for the peer, so a slow or silent peer ends the session.
/// </summary>
public class SmtpClientOptions
{
    /// <summary>Our name in EHLO/HELO (a FQDN, RFC 5321 4.1.1.1).</summary>
    public string HeloName { get; set; } = "localhost";

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan GreetingTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>EHLO, HELO, STARTTLS, the TLS handshake, AUTH, RSET (not named by RFC 5321; Postfix uses 300 s).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MailTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan RcptTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan DataInitTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Each write of a block of the data (and each BDAT chunk's reply).</summary>
    public TimeSpan DataBlockTimeout { get; set; } = TimeSpan.FromMinutes(3);

    public TimeSpan DataFinalTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan QuitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A longer reply line ends the session (RFC 5321 4.5.3.1.5 says 512; leave room for the lax).</summary>
    public int MaxReplyLineLength { get; set; } = 4096;

    /// <summary>Lines of one multiline reply before the session is ended (an EHLO list is a few dozen).</summary>
    public int MaxReplyLines { get; set; } = 200;

    /// <summary>BDAT chunk size when CHUNKING is used (RFC 3030).</summary>
    public int ChunkSize { get; set; } = 1 << 20;

    /// <summary>Use CHUNKING (BDAT) for every message when offered, not only for BINARYMIME.</summary>
    public bool PreferChunking { get; set; } = true;

    /// <summary>Send MAIL, RCPT and DATA as one group when PIPELINING is offered (RFC 2920).</summary>
    public bool UsePipelining { get; set; } = true;

    public SmtpTlsMode TlsMode { get; set; } = SmtpTlsMode.May;

    /// <summary>Extra trust anchors for <see cref="SmtpTlsMode.Verify"/> (a smart host with a private CA); the system store otherwise.</summary>
    public X509Certificate2Collection? TrustAnchors { get; set; }

    /// <summary>
    /// Decides whether the peer's certificate is authenticated instead of the PKIX check (DANE's TLSA
    /// match, RFC 7672); with <see cref="SmtpTlsMode.Verify"/> a certificate it refuses ends the handshake.
    /// Null: PKIX with the system's anchors and <see cref="TrustAnchors"/>, and the host's name.
    /// </summary>
    public IPeerCertificateValidator? PeerValidator { get; set; }

    /// <summary>AUTH at a smart host; null for MX delivery.</summary>
    public SmtpClientCredentials? Credentials { get; set; }

    /// <summary>Allow AUTH without TLS (tests and trusted links only).</summary>
    public bool AllowPlaintextAuth { get; set; }

    /// <summary>Messages up to this size are converted to 7-bit in memory, larger ones in a temporary file.</summary>
    public int DowngradeInMemoryLimit { get; set; } = 4 << 20;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>A copy to change per route (TLS mode, credentials) without touching the shared settings.</summary>
    public SmtpClientOptions Copy() => (SmtpClientOptions)MemberwiseClone();
}
