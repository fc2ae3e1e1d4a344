namespace Interchange.Smtp.Client;

/// <summary>What happened to one recipient in one attempt.</summary>
public enum SmtpOutcomeKind
{
    /// <summary>The peer took responsibility (250 after the data, RCPT accepted).</summary>
    Delivered,

    /// <summary>Try again later (4xx, or the session failed before a final answer).</summary>
    Deferred,

    /// <summary>Will never work as sent (5xx, or a refusal before sending: SMTPUTF8, SIZE).</summary>
    Failed,
}
