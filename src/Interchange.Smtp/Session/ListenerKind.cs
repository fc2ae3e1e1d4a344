namespace Interchange.Smtp.Session;

/// <summary>Which SMTP service a listener offers; it decides TLS and the relay policy.</summary>
public enum ListenerKind
{
    /// <summary>Port 25: mail for local users from anyone; relaying only for authenticated users.</summary>
    Smtp,

    /// <summary>Port 587 (RFC 6409): STARTTLS, then AUTH before MAIL.</summary>
    Submission,

    /// <summary>Port 465 (RFC 8314): implicit TLS, then AUTH before MAIL.</summary>
    Submissions,
}
