using System.Collections.Frozen;

namespace Interchange.MailAuth.Dkim;

/// <summary>An immutable snapshot of the key store, loaded for signing: readers keep the one they took.</summary>
public sealed class DkimKeySet
{
    private readonly FrozenDictionary<string, IReadOnlyList<DkimSigningKey>> _byDomain;

    public DkimKeySet(IEnumerable<DkimSigningKey> keys, string stamp)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _byDomain = keys.GroupBy(k => k.Info.Domain, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<DkimSigningKey>)[.. g], StringComparer.OrdinalIgnoreCase);
        Stamp = stamp;
    }

    public static DkimKeySet Empty { get; } = new([], string.Empty);

    /// <summary>The store's <see cref="DkimKeyStore.Stamp"/> when this was loaded.</summary>
    public string Stamp { get; }

    public int Count => _byDomain.Values.Sum(k => k.Count);

    /// <summary>The domain's active keys (RSA first, then Ed25519), none when it has none.</summary>
    public IReadOnlyList<DkimSigningKey> Active(string domain) =>
        _byDomain.TryGetValue(domain, out var keys) ? [.. keys.Where(k => k.Info.Active).OrderBy(k => k.Info.Algorithm)] : [];

    /// <summary>One key by selector, active or not.</summary>
    public DkimSigningKey? Find(string domain, string selector) =>
        _byDomain.TryGetValue(domain, out var keys) ? keys.FirstOrDefault(k => string.Equals(k.Info.Selector, selector, StringComparison.OrdinalIgnoreCase)) : null;
}
