namespace Interchange.MailAuth.Dkim;

/// <summary>A tag=value list (RFC 6376 3.2), the syntax of DKIM-Signature fields, DKIM key records, ARC
/// fields and DMARC records (RFC 7489 6.4). Parsing never throws: a malformed list is reported as such.</summary>
internal sealed class TagList
{
    private readonly Dictionary<string, string> _tags;

    private TagList(Dictionary<string, string> tags, List<string> order)
    {
        _tags = tags;
        Order = order;
    }

    /// <summary>Tag names in the order they appeared (DMARC 6.3 and DKIM key 3.6.1 need <c>v=</c> first).</summary>
    public IReadOnlyList<string> Order { get; }

    public string? this[string name] => _tags.TryGetValue(name, out var value) ? value : null;

    public bool Contains(string name) => _tags.ContainsKey(name);

    /// <summary>Parses <paramref name="text"/>; false with the reason when it is not a tag-list. Tag names are
    /// case-sensitive (3.2); a repeated tag makes the whole list invalid (3.2). Values keep inner
    /// whitespace and lose leading and trailing FWS.</summary>
    public static bool TryParse(string text, out TagList list, out string? error)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        list = new TagList(tags, order);
        error = null;
        foreach (var part in text.Split(';'))
        {
            var spec = part.Trim(' ', '\t', '\r', '\n');
            if (spec.Length == 0)
            {
                // The trailing ";" is allowed (3.2), and so, leniently, is an empty spec between two.
                continue;
            }

            var equals = spec.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"tag without '=': {Shorten(spec)}";
                return false;
            }

            var name = spec[..equals].TrimEnd(' ', '\t', '\r', '\n');
            if (!IsTagName(name))
            {
                error = $"bad tag name: {Shorten(name)}";
                return false;
            }

            var value = spec[(equals + 1)..].Trim(' ', '\t', '\r', '\n');
            if (!tags.TryAdd(name, value))
            {
                error = $"tag {name}= appears twice";
                return false;
            }

            order.Add(name);
        }

        return true;
    }

    /// <summary>The value with every folding whitespace removed (base64 values: <c>b=</c>, <c>bh=</c>, <c>p=</c>).</summary>
    public static string WithoutWhitespace(string value) =>
        string.Create(value.Length - value.Count(IsWhitespace), value, static (span, source) =>
        {
            var i = 0;
            foreach (var c in source)
            {
                if (!IsWhitespace(c))
                {
                    span[i++] = c;
                }
            }
        });

    // tag-name = ALPHA *ALNUMPUNC, ALNUMPUNC = ALPHA / DIGIT / "_" (3.2).
    private static bool IsTagName(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
