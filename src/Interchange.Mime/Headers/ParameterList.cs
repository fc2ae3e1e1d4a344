using System.Collections;

namespace Interchange.Mime.Headers;

/// <summary>Parameters in header order, names lower-cased; lookups by name are case-insensitive.</summary>
public sealed class ParameterList : IReadOnlyList<ContentParameter>
{
    private readonly ContentParameter[] _parameters;

    internal ParameterList(ContentParameter[] parameters)
    {
        _parameters = parameters;
    }

    public static ParameterList Empty { get; } = new([]);

    public int Count => _parameters.Length;

    public ContentParameter this[int index] => _parameters[index];

    /// <summary>The decoded value of the named parameter, or null.</summary>
    public string? this[string name] => Find(name)?.Value;

    public ContentParameter? Find(string name) =>
        Array.Find(_parameters, p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public IEnumerator<ContentParameter> GetEnumerator() => ((IEnumerable<ContentParameter>)_parameters).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
