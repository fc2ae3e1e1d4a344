using System.Security.Cryptography;

namespace Interchange.Directory.Security;

/// <summary>
/// The security context of one user (seed Q193215): identity, groups, rights and owned
/// addresses, built once from the directory and shared by every session of that user. It is
/// immutable but for two marks set by the cache: <see cref="IsStale"/> (the directory changed:
/// the next login builds a new one) and <see cref="IsRevoked"/> (credentials changed or the user
/// was disabled or removed: sessions holding it must end). Sessions keep the instance they were
/// given; they never look it up again by key.
/// </summary>
public sealed class SecurityContext
{
    private readonly RevocationCell _revocation;
    private readonly RevocationCell.Generation _generation;
    private int _activeSessions;
    private int _stale;
    private VerifiedCredential? _verifiedCredential;

    internal SecurityContext(RevocationCell revocation, RevocationCell.Generation generation, string userKey, string address, bool disabled, long credentialVersion, string? passwordHash, IReadOnlyList<string> groups, IReadOnlyList<string> ownedAddresses, string? source = null)
    {
        Source = source;
        _revocation = revocation;
        _generation = generation;
        UserKey = userKey;
        Address = address;
        Disabled = disabled;
        CredentialVersion = credentialVersion;
        PasswordHash = passwordHash;
        Groups = groups;
        OwnedAddresses = ownedAddresses;
        Rights = disabled ? UserRights.None : UserRights.Login | UserRights.Submit;
    }

    public string UserKey { get; }

    public string Address { get; }

    public bool Disabled { get; }

    /// <summary>Who owns the user (<c>UserRecord.Source</c>): null for a local user, <c>ldap</c> for one whose password the directory checks.</summary>
    public string? Source { get; }

    public long CredentialVersion { get; }

    /// <summary>Addresses of every group the user belongs to, directly or through nesting.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>The user's own address and the aliases that point straight at it.</summary>
    public IReadOnlyList<string> OwnedAddresses { get; }

    public UserRights Rights { get; }

    public bool IsStale => Volatile.Read(ref _stale) != 0;

    /// <summary>
    /// True once the user's credentials or standing changed after this context was built. Kept
    /// per user, not per context, so it reaches every older context, even one already dropped
    /// from the cache as merely stale.
    /// </summary>
    public bool IsRevoked => _revocation.Current != _generation;

    /// <summary>
    /// Cancelled when <see cref="IsRevoked"/> becomes true: a session links it into its reads so
    /// that it ends at once, even while waiting in IDLE or for the next command.
    /// </summary>
    public CancellationToken Revoked => _generation.Ended;

    /// <summary>Sessions currently holding this context.</summary>
    public int ActiveSessions => Volatile.Read(ref _activeSessions);

    internal string? PasswordHash { get; }

    /// <summary>Registers a session; dispose the handle at logout (once is enough, more is harmless).</summary>
    public SessionHandle OpenSession()
    {
        Interlocked.Increment(ref _activeSessions);
        return new SessionHandle(this);
    }

    internal void CloseSession()
    {
        if (Interlocked.Decrement(ref _activeSessions) < 0)
        {
            throw new InvalidOperationException($"session count of {UserKey} went below zero");
        }
    }

    /// <summary>True if these credentials were verified before and, for externally verified ones, not longer ago than they may be trusted.</summary>
    internal bool MatchesVerifiedCredential(byte[] credentialKey, DateTimeOffset now)
    {
        var remembered = Volatile.Read(ref _verifiedCredential);
        return remembered is not null
            && (remembered.Until is not { } until || now < until)
            && CryptographicOperations.FixedTimeEquals(remembered.Key, credentialKey);
    }

    /// <param name="until">Null: until the context goes stale (a local password: the store's change log says when it changes). Else an external password's limit.</param>
    internal void RememberVerifiedCredential(byte[] credentialKey, DateTimeOffset? until = null) => Volatile.Write(ref _verifiedCredential, new VerifiedCredential(credentialKey, until));

    internal void MarkStale()
    {
        Volatile.Write(ref _stale, 1);

        // A stale context must not vouch for a password any more.
        Volatile.Write(ref _verifiedCredential, null);
    }

    /// <summary>One immutable remembered credential, swapped whole so key and limit always go together.</summary>
    private sealed record VerifiedCredential(byte[] Key, DateTimeOffset? Until);
}
