namespace Interchange.MailAuth.Dmarc;

/// <summary>A DMARC policy, as published (<c>p=</c>, <c>sp=</c>, RFC 7489 6.3) and as applied (the disposition).</summary>
public enum DmarcPolicy
{
    /// <summary>No action: deliver as usual.</summary>
    None,

    /// <summary>Treat as suspicious: deliver to Junk.</summary>
    Quarantine,

    /// <summary>Refuse the message (550 at the end of DATA).</summary>
    Reject,
}
