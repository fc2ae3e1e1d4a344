namespace Interchange.MailAuth.Arc;

/// <summary>ARC sealing of forwarded mail (configuration section <c>Arc</c>; RFC 8617; docs/DKIM.md).</summary>
public sealed class ArcOptions
{
    /// <summary>Seal mail that came from outside and leaves again to a remote address (an alias or group forwarding).</summary>
    public bool SealForwarded { get; set; } = true;

    /// <summary>The sealing domain (<c>d=</c>); null for the primary domain. It needs an RSA key in the key store.</summary>
    public string? Domain { get; set; }

    /// <summary>The selector of the sealing key; null for the domain's active RSA key.</summary>
    public string? Selector { get; set; }

    /// <summary>
    /// Our authserv-id (RFC 8601 2.5): the Authentication-Results field with it, put on the message
    /// at arrival, is what the ARC-Authentication-Results copies; null for the host name.
    /// </summary>
    public string? AuthServId { get; set; }
}
