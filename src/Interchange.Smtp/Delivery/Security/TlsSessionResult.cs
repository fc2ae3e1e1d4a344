namespace Interchange.Smtp.Delivery.Security;

/// <summary>How a session's TLS ended (the <c>outcome</c> of the log line and the metric).</summary>
public enum TlsSessionResult
{
    /// <summary>In clear.</summary>
    Plain,

    /// <summary>TLS, the certificate not authenticated.</summary>
    Encrypted,

    /// <summary>TLS with the certificate authenticated (PKIX for the host's name, or DANE).</summary>
    Verified,

    /// <summary>The policy was not met: the host was not used, or the session was ended before any mail.</summary>
    Failed,
}
