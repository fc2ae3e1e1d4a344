namespace Interchange.Directory.Passwords;

public enum PasswordVerification
{
    Failed,
    Succeeded,

    /// <summary>Correct, but hashed with fewer iterations than configured now.</summary>
    SucceededRehashNeeded,
}
