using Org.BouncyCastle.Crypto;

namespace Interchange.MailAuth.Dkim;

/// <summary>What a key lookup found: a usable key, or the result (temperror, permerror) and why not.</summary>
internal sealed class DkimPublicKey
{
    private DkimPublicKey(AsymmetricKeyParameter? key, string keyType, IReadOnlyList<string>? hashes, bool strictIdentity, DkimResult error, string? reason)
    {
        Key = key;
        KeyType = keyType;
        HashAlgorithms = hashes;
        StrictIdentity = strictIdentity;
        Error = error;
        Reason = reason;
    }

    /// <summary>The key, null when the lookup failed.</summary>
    public AsymmetricKeyParameter? Key { get; }

    /// <summary>The <c>k=</c> tag: <c>rsa</c> or <c>ed25519</c>.</summary>
    public string KeyType { get; }

    /// <summary>The <c>h=</c> tag (acceptable hash algorithms), null for any (RFC 6376 3.6.1).</summary>
    public IReadOnlyList<string>? HashAlgorithms { get; }

    /// <summary>The <c>t=s</c> flag: <c>i=</c> must not be a subdomain of <c>d=</c>.</summary>
    public bool StrictIdentity { get; }

    /// <summary><see cref="DkimResult.TempError"/> or <see cref="DkimResult.PermError"/> when <see cref="Key"/> is null.</summary>
    public DkimResult Error { get; }

    public string? Reason { get; }

    public static DkimPublicKey Usable(AsymmetricKeyParameter key, string keyType, IReadOnlyList<string>? hashes, bool strictIdentity) =>
        new(key, keyType, hashes, strictIdentity, DkimResult.Pass, null);

    public static DkimPublicKey Failed(DkimResult error, string reason) => new(null, "", null, false, error, reason);
}
