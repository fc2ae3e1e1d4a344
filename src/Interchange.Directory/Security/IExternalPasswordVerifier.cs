namespace Interchange.Directory.Security;

/// <summary>
/// Checks the passwords of users another system owns (for LDAP: a bind as the user), in place of
/// the stored hash. The <see cref="Authenticator"/> asks it for users whose
/// <c>UserRecord.Source</c> is <see cref="Source"/>, under the same throttle, logging and
/// session handles as every other login.
/// </summary>
public interface IExternalPasswordVerifier
{
    /// <summary>The user source this verifier answers for (<c>ldap</c>).</summary>
    string Source { get; }

    /// <summary>
    /// How long a verified password is accepted again without asking (remembered as an HMAC, as
    /// local passwords are): the bound on how long a password changed in the other system keeps working.
    /// </summary>
    TimeSpan RememberFor { get; }

    /// <summary>Right, wrong, or could not be checked now (never "wrong" because the other system is down).</summary>
    Task<ExternalPasswordResult> VerifyAsync(string address, string password, CancellationToken cancellationToken);
}
