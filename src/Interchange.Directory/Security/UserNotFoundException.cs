namespace Interchange.Directory.Security;

/// <summary>No user has this address: the context cannot be built (nothing is cached for it).</summary>
public sealed class UserNotFoundException(string userKey) : Exception($"no user {userKey}")
{
    public string UserKey { get; } = userKey;
}
