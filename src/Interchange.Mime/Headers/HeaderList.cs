using System.Collections;

namespace Interchange.Mime.Headers;

/// <summary>
/// The header fields of one part in message order. Names compare case-insensitively; when a
/// field occurs more than once, the single-valued lookups take the first (as IMAP servers do).
/// </summary>
public sealed class HeaderList : IReadOnlyList<HeaderField>
{
    private readonly HeaderField[] _fields;

    internal HeaderList(HeaderField[] fields, int totalCount)
    {
        _fields = fields;
        TotalCount = totalCount;
    }

    public static HeaderList Empty { get; } = new([], 0);

    /// <summary>How many fields the part had, including those dropped by the parser's limits.</summary>
    public int TotalCount { get; }

    public int Count => _fields.Length;

    public HeaderField this[int index] => _fields[index];

    /// <summary>The first field with this name, or null.</summary>
    public HeaderField? this[string name]
    {
        get
        {
            foreach (var field in _fields)
            {
                if (field.Is(name))
                {
                    return field;
                }
            }

            return null;
        }
    }

    public bool Contains(string name) => this[name] is not null;

    public IEnumerable<HeaderField> GetAll(string name) => _fields.Where(f => f.Is(name));

    /// <summary>The first field's <see cref="HeaderField.Text"/> (encoded words intact), or null.</summary>
    public string? GetText(string name) => this[name]?.Text;

    /// <summary>The first field's decoded <see cref="HeaderField.Value"/>, or null.</summary>
    public string? GetValue(string name) => this[name]?.Value;

    /// <summary>
    /// The fields named in <paramref name="names"/> (or, with <paramref name="exclude"/>, all
    /// others), in message order: IMAP's HEADER.FIELDS and HEADER.FIELDS.NOT.
    /// </summary>
    public IEnumerable<HeaderField> Select(IEnumerable<string> names, bool exclude = false)
    {
        var set = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        return _fields.Where(f => set.Contains(f.Name) != exclude);
    }

    public IEnumerator<HeaderField> GetEnumerator() => ((IEnumerable<HeaderField>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
