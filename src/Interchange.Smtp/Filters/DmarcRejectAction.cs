namespace Interchange.Smtp.Filters;

/// <summary>What a DMARC <c>p=reject</c> failure leads to (<c>Smtp:Authentication:DmarcReject</c>).</summary>
public enum DmarcRejectAction
{
    /// <summary>550 5.7.1 at the end of DATA (RFC 7489 6.6.4 and 10.3: the sender hears of it).</summary>
    Reject,

    /// <summary>Accepted and filed in the recipients' Junk folder.</summary>
    Quarantine,
}
