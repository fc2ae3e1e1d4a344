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
}
