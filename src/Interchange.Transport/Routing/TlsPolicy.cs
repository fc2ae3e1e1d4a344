namespace Interchange.Transport.Routing;

/// <summary>How the SMTP connector uses STARTTLS on a route.</summary>
public enum TlsPolicy
{
    /// <summary>STARTTLS when the peer offers it, in clear otherwise (RFC 3207; the default).</summary>
    Opportunistic,

    /// <summary>STARTTLS or no delivery: a peer without it defers the mail, never gets it in clear.</summary>
    Required,
}
