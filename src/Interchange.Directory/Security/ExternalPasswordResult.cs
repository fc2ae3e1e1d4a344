namespace Interchange.Directory.Security;

public enum ExternalPasswordResult
{
    Verified,

    /// <summary>The other system said the password is wrong, or it no longer knows the user.</summary>
    Rejected,

    /// <summary>The other system could not answer: the login fails temporarily.</summary>
    Unavailable,
}
