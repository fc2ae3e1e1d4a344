namespace Interchange.Smtp.Protocol;

/// <summary>Where a session is in the RFC 5321 dialogue.</summary>
public enum SmtpState
{
    /// <summary>Greeting sent; waiting for EHLO/HELO.</summary>
    Connected,

    /// <summary>EHLO/HELO done; no transaction.</summary>
    Ready,

    /// <summary>MAIL accepted; waiting for RCPT.</summary>
    Mail,

    /// <summary>At least one RCPT accepted; DATA or BDAT may follow.</summary>
    Recipients,

    /// <summary>BDAT chunks are arriving (RFC 3030); only BDAT, RSET, QUIT, NOOP.</summary>
    Chunking,
}
