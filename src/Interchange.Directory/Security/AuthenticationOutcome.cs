namespace Interchange.Directory.Security;

public enum AuthenticationOutcome
{
    Succeeded,

    /// <summary>Unknown user or wrong password: the client is told no more than that.</summary>
    InvalidCredentials,

    /// <summary>Right password, but the account is disabled.</summary>
    Disabled,

    /// <summary>Too many failures for this user or client address; try after <see cref="AuthenticationResult.RetryAfter"/>.</summary>
    Throttled,

    /// <summary>
    /// The password could not be checked now (the external directory did not answer): try again
    /// later. IMAP <c>NO [UNAVAILABLE]</c> (RFC 5530), SMTP <c>454 4.7.0</c> (RFC 4954), POP3
    /// <c>-ERR [SYS/TEMP]</c> (RFC 3206).
    /// </summary>
    TemporaryFailure,
}
