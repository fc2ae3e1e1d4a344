namespace Interchange.MailAuth.Arc;

/// <summary>The ARC chain validation status (RFC 8617 4.4, 5.2; A-R method <c>arc</c>: none, pass, fail).</summary>
public enum ArcResult
{
    /// <summary>No ARC sets.</summary>
    None,

    /// <summary>Every ARC-Seal and the newest ARC-Message-Signature verified, and the chain is whole.</summary>
    Pass,

    /// <summary>A seal or the newest message signature did not verify, or the chain is broken or malformed.</summary>
    Fail,
}
