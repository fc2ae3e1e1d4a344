namespace Interchange.Directory.Import;

/// <summary>
/// One LDIF content record: its DN and attributes (names lower-cased, options such as
/// <c>;lang-en</c> dropped), or why it could not be read. Only the attributes the reader asked
/// for are kept.
/// </summary>
public sealed record LdifRecord(int Line, string Dn, IReadOnlyList<KeyValuePair<string, string>> Attributes, string? Error = null)
{
    public IEnumerable<string> Values(string name) => Attributes.Where(a => a.Key == name).Select(a => a.Value);

    public string? First(string name) => Values(name).FirstOrDefault();
}
