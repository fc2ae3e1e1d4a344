namespace Interchange.MailAuth.Dmarc;

/// <summary>Identifier alignment mode (RFC 7489 3.1: <c>adkim=</c>, <c>aspf=</c>).</summary>
public enum DmarcAlignment
{
    /// <summary>The organisational domains are equal (3.1.1, 3.1.2; the default).</summary>
    Relaxed,

    /// <summary>The domains are equal.</summary>
    Strict,
}
