namespace Interchange.Directory.Security;

/// <summary>The answer to a login: on success, a session handle on the user's shared context.</summary>
public sealed record AuthenticationResult(AuthenticationOutcome Outcome, SessionHandle? Session = null, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => Outcome == AuthenticationOutcome.Succeeded;
}
