namespace Interchange.Directory.Ldap;

/// <summary>One entry a search returned: its DN and the requested attributes (names case-insensitive, as LDAP's are).</summary>
public sealed class LdapEntry
{
    private static readonly IReadOnlyList<string> s_none = [];
    private readonly Dictionary<string, IReadOnlyList<string>> _attributes;

    public LdapEntry(string dn, IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> attributes)
    {
        Dn = dn;
        _attributes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in attributes)
        {
            _attributes[name] = values;
        }
    }

    public string Dn { get; }

    public IEnumerable<string> AttributeNames => _attributes.Keys;

    /// <summary>The attribute's values (none if absent or <paramref name="name"/> is empty).</summary>
    public IReadOnlyList<string> Values(string name) => name.Length > 0 && _attributes.TryGetValue(name, out var values) ? values : s_none;

    public string? First(string name) => Values(name) is [var first, ..] ? first : null;
}
