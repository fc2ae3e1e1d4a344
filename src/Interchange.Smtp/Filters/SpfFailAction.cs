namespace Interchange.Smtp.Filters;

/// <summary>What an SPF <c>fail</c> alone leads to (<c>Smtp:Authentication:SpfFail</c>).</summary>
public enum SpfFailAction
{
    /// <summary>Nothing beyond the Authentication-Results field: DMARC decides (the default, as large providers do; RFC 7489 10.1).</summary>
    None,

    /// <summary>Filed in the recipients' Junk folder.</summary>
    Junk,

    /// <summary>550 5.7.23 at the end of DATA (RFC 7372).</summary>
    Reject,
}
