namespace Interchange.MailAuth.Dmarc;

/// <summary>The DMARC result (RFC 7489 11.2, RFC 8601 2.7.x registry: none, pass, fail, temperror, permerror).</summary>
public enum DmarcResult
{
    /// <summary>No DMARC record was found for the From domain or its organisational domain (6.6.3).</summary>
    None,

    /// <summary>An aligned SPF or DKIM pass (4.2).</summary>
    Pass,

    /// <summary>A record was found and neither SPF nor DKIM passed aligned.</summary>
    Fail,

    /// <summary>The record could not be fetched for now (DNS timeout, SERVFAIL).</summary>
    TempError,

    /// <summary>The message has no single identifiable author domain (6.6.1), or the record is unusable.</summary>
    PermError,
}
