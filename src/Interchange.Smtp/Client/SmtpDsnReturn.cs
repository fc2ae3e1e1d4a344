namespace Interchange.Smtp.Client;

/// <summary>MAIL FROM's RET parameter (RFC 3461 4.3): what a DSN returns of the message.</summary>
public enum SmtpDsnReturn
{
    Unspecified,
    Full,
    Headers,
}
