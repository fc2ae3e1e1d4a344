namespace Interchange.Smtp.Filters;

/// <summary>What a filter says at a stage.</summary>
public enum SmtpFilterVerdictKind
{
    /// <summary>Go on (SMFIR_CONTINUE).</summary>
    Continue,

    /// <summary>Accept without asking this filter again for this transaction (SMFIR_ACCEPT).</summary>
    Accept,

    /// <summary>Refuse with a 5xx (SMFIR_REJECT, or SMFIR_REPLYCODE with 5xx).</summary>
    Reject,

    /// <summary>Refuse with a 4xx (SMFIR_TEMPFAIL, or SMFIR_REPLYCODE with 4xx).</summary>
    TempFail,

    /// <summary>Tell the client 250 and throw the message away (SMFIR_DISCARD). Logged.</summary>
    Discard,
}
