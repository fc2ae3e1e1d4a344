namespace Interchange.Transport.Bounces;

/// <summary>
/// What happened to one recipient of the original message, as the report gives it
/// (RFC 3464 2.3). <see cref="Address"/>, <see cref="Notify"/> and <see cref="OriginalRecipient"/>
/// come from the queued envelope (<c>QueuedRecipient</c>) as the SMTP server stored them: NOTIFY
/// upper case and comma-separated, ORCPT still xtext-encoded (<c>rfc822;a+2Bb@example.com</c>).
/// </summary>
public sealed record DsnRecipient
{
    public DsnRecipient(string address, DsnAction action)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
        Action = action;
    }

    /// <summary>The final recipient (Final-Recipient).</summary>
    public string Address { get; }

    public DsnAction Action { get; }

    /// <summary>RCPT TO's NOTIFY (RFC 3461 4.1), as stored; null when not given.</summary>
    public string? Notify { get; init; }

    /// <summary>RCPT TO's ORCPT (RFC 3461 4.2), still xtext-encoded; null when not given.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>The enhanced status code (RFC 3463, "5.1.1"); when missing or malformed, X.0.0 of the action's class.</summary>
    public string? Status { get; init; }

    /// <summary>The host that answered ("mx.example.net" or "[192.0.2.1]"), for Remote-MTA; null when no remote server did.</summary>
    public string? RemoteMta { get; init; }

    /// <summary>The remote server's reply ("550 5.1.1 no such user"; several lines allowed), for Diagnostic-Code: smtp.</summary>
    public string? RemoteReply { get; init; }

    /// <summary>Our own explanation when no remote server answered, or on top of its reply ("delivery time expired").</summary>
    public string? Reason { get; init; }

    public DateTimeOffset? LastAttempt { get; init; }

    /// <summary>For <see cref="DsnAction.Delayed"/>: when the retries stop (Will-Retry-Until).</summary>
    public DateTimeOffset? WillRetryUntil { get; init; }
}
